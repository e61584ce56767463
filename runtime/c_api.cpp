// extern "C" face of ebpfjit.hpp. Handles are C++ objects behind opaque pointers; every
// entry point catches everything, so no exception reaches a C caller.
#include "ebpfjit/ebpfjit.h"
#include "ebpfjit/limits.hpp"

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <algorithm>
#include <map>
#include <optional>
#include <memory>
#include <string>

#include "ebpfjit/ebpfjit.hpp"
#include "runtime/c_api_handles.hpp"
#include "runtime/object_impl.hpp"
#include "runtime/xdp_buffer_burst.hpp"

namespace {

using ebpfjit::c_api::guarded;
using ebpfjit::c_api::set_error;

std::optional<ebpfjit::Engine> engine_of(ebpfjit_engine engine) {
    switch (engine) {
    case EBPFJIT_ENGINE_JIT: return ebpfjit::Engine::Jit;
    case EBPFJIT_ENGINE_INTERP: return ebpfjit::Engine::Interpreter;
    }
    return std::nullopt;
}

ebpfjit_xdp_result to_c(const ebpfjit::XdpResult& r) {
    ebpfjit_xdp_result out{};
    out.action = static_cast<uint32_t>(r.action);
    out.r0 = r.returned;
    if (r.action == ebpfjit::XdpAction::Redirect) {
        out.redirect_port = r.redirect.ifindex;
        out.redirect_flags = r.redirect.flags;
    }
    return out;
}

std::span<const uint8_t> bytes(const void* p, size_t n) { return {static_cast<const uint8_t*>(p), n}; }
std::span<uint8_t> bytes(void* p, size_t n) { return {static_cast<uint8_t*>(p), n}; }

// ebpfjit_program_run_mem's lean run over the eBPF stack: what only a fault needs after the native call stays
// in memory with the RunStatus (runtime/run/lean_run.hpp); r0's address, which every run
// needs, stays in the one register the path saves.
struct LeanCall : ebpfjit::runtime::LeanCall {
    ebpfjit_program* program = nullptr;
    char* err = nullptr;
    size_t err_size = 0;
};

// A lean run's fault, as Program::run reports it (cold: no run builds an Error).
[[gnu::cold, gnu::noinline]] int lean_fault(const LeanCall& call) {
    return guarded<>(-1, call.err, call.err_size, [&]() -> int {
        const auto& prepared = *state_of(call.program->program).prepared;
        set_error(call.err, call.err_size,
                  prepared.locate(ebpfjit::runtime::lean_error(call.program->lean, call)).to_string());
        return -1;
    });
}

// ebpfjit_program_run_mem on a handle whose lean code uses its RunStatus (the eBPF stack,
// or an unreachable-code trap: runtime/run/lean_run.hpp), out of line: taking a level
// calls functions, and a fault's error needs the handle, whose register saves the
// stackless path need not pay.
[[gnu::noinline]] int run_mem_lean_stack(ebpfjit_program* program, void* mem, size_t size, uint64_t* r0, char* err,
                                         size_t err_size) {
    LeanCall call;
    call.program = program;
    call.err = err;
    call.err_size = err_size;
    const auto start = reinterpret_cast<uint64_t>(mem);
    const uint64_t result = ebpfjit::runtime::enter_lean_stack(program->lean, start, size,
                                                               static_cast<const uint8_t*>(mem), size, call);
    if (call.ok()) [[likely]] {
        *r0 = result;
        return 0;
    }
    return lean_fault(call);
}

// ebpfjit_program_run_mem(_engine) through Program::run: what the lean paths do not take.
[[gnu::noinline]] int run_mem(ebpfjit_program* program, void* mem, size_t size, uint64_t* r0, char* err,
                              size_t err_size, std::optional<ebpfjit::Engine> engine) {
    return guarded<>(-1, err, err_size, [&]() -> int {
        if (!program || !r0 || (!mem && size != 0)) return set_error(err, err_size, "invalid argument"), -1;
        auto result = program->program.run(bytes(mem, size), ebpfjit::RunOptions{engine});
        if (!result) return set_error(err, err_size, result.error().to_string()), -1;
        *r0 = *result;
        return 0;
    });
}

// ebpfjit_program_run_mem but its inline path: stackless code without a C entry (too
// large for one: jit::wants_c_entry), lean code with a RunStatus, else Program::run
// (which also reports the argument errors and an oversized buffer).
[[gnu::noinline]] int run_mem_other(ebpfjit_program* program, void* mem, size_t size, uint64_t* r0, char* err,
                                    size_t err_size) {
    if (program != nullptr && r0 != nullptr && (mem != nullptr || size == 0) && size <= ebpfjit::kMaxMemSize &&
        program->lean) {
        if (program->lean.status) return run_mem_lean_stack(program, mem, size, r0, err, err_size);
        *r0 = ebpfjit::runtime::run_lean_stackless(program->lean, reinterpret_cast<uint64_t>(mem), size,
                                                   static_cast<const uint8_t*>(mem), size);
        return 0;
    }
    return run_mem(program, mem, size, r0, err, err_size, std::nullopt);
}

} // namespace

extern "C" {

ebpfjit_object* ebpfjit_object_open(const char* path, const char* program_type, char* err, size_t err_size) {
    const ebpfjit_open_options options{program_type, EBPFJIT_ENGINE_JIT, EBPFJIT_VERIFY_FULL, 0, 0};
    return ebpfjit_object_open_opts(path, &options, err, err_size);
}

ebpfjit_object* ebpfjit_object_open_opts(const char* path, const ebpfjit_open_options* c_options, char* err,
                                         size_t err_size) {
    return ebpfjit_object_open_hardened(path, c_options, nullptr, err, err_size);
}

struct ebpfjit_pin_registry {
    std::shared_ptr<ebpfjit::PinRegistry> registry = std::make_shared<ebpfjit::PinRegistry>();
};

ebpfjit_pin_registry* ebpfjit_pin_registry_new(void) {
    return guarded<>(static_cast<ebpfjit_pin_registry*>(nullptr), nullptr, 0,
                     []() -> ebpfjit_pin_registry* { return new ebpfjit_pin_registry; });
}

void ebpfjit_pin_registry_free(ebpfjit_pin_registry* pins) { delete pins; }

namespace {

// One open for the C entry points: the pin registry, the network and the extras
// (ebpfjit_open_ext: map sizes, inlined globals) are optional.
ebpfjit_object* open_object(const char* path, const ebpfjit_open_options* c_options,
                            const ebpfjit_hardening* hardening, ebpfjit_pin_registry* pins, ebpfjit_network* network,
                            const ebpfjit_open_ext* c_ext, char* err, size_t err_size) {
    return guarded<>(static_cast<ebpfjit_object*>(nullptr), err, err_size, [&]() -> ebpfjit_object* {
        if (!path) return set_error(err, err_size, "no path given"), nullptr;
        const ebpfjit_open_ext no_ext{nullptr, nullptr, nullptr, 0, nullptr, 0, nullptr};
        const ebpfjit_open_ext& ext = c_ext ? *c_ext : no_ext;
        const ebpfjit_open_options defaults{nullptr, EBPFJIT_ENGINE_JIT, EBPFJIT_VERIFY_FULL, 0, 0};
        if (!c_options) c_options = &defaults;
        const char* program_type = c_options->program_type;
        ebpfjit::OpenOptions options;
        auto engine = engine_of(c_options->engine);
        if (!engine) return set_error(err, err_size, "unknown engine"), nullptr;
        options.engine = *engine;
        if (c_options->verify != EBPFJIT_VERIFY_FULL && c_options->verify != EBPFJIT_VERIFY_STRUCTURAL)
            return set_error(err, err_size, "unknown verifier level"), nullptr;
        options.verify = c_options->verify == EBPFJIT_VERIFY_FULL ? ebpfjit::VerifyLevel::Full
                                                                  : ebpfjit::VerifyLevel::Structural;
        options.allow_ptr_leaks = c_options->allow_ptr_leaks != 0;
        options.require_termination_proof = c_options->require_termination_proof != 0;
        if (hardening) {
            options.hardening.blind_constants = hardening->blind_constants != 0;
            options.hardening.retpoline = hardening->retpoline != 0;
            options.hardening.instruction_budget = hardening->max_insns;
        }
        if (program_type) {
            options.program_type = ebpfjit::program_type_from_name(program_type);
            if (!options.program_type)
                return set_error(err, err_size, std::string("unknown program type '") + program_type + "'"), nullptr;
        }
        if (pins) options.pins = pins->registry;
        if (network) options.network = network->network;
        if (ext.n_map_sizes != 0 && !ext.map_sizes) return set_error(err, err_size, "map_sizes is NULL"), nullptr;
        for (size_t i = 0; i < ext.n_map_sizes; ++i) {
            if (!ext.map_sizes[i].name)
                return set_error(err, err_size, "map_sizes[" + std::to_string(i) + "] has no name"), nullptr;
            if (!options.map_max_entries.emplace(ext.map_sizes[i].name, ext.map_sizes[i].max_entries).second)
                return set_error(err, err_size, std::string("map '") + ext.map_sizes[i].name +
                                                    "' is sized twice in map_sizes"), nullptr;
        }
        if (ext.n_inline_globals != 0 && !ext.inline_globals)
            return set_error(err, err_size, "inline_globals is NULL"), nullptr;
        for (size_t i = 0; i < ext.n_inline_globals; ++i) {
            if (!ext.inline_globals[i])
                return set_error(err, err_size, "inline_globals[" + std::to_string(i) + "] is NULL"), nullptr;
            options.inline_globals.emplace_back(ext.inline_globals[i]);
        }
        if (ext.core_btf) options.core_btf = ext.core_btf;
        auto object = ebpfjit::Object::open(path, options);
        if (!object) return set_error(err, err_size, object.error().to_string()), nullptr;
        return new ebpfjit_object{std::move(*object), {}, {}};
    });
}

} // namespace

ebpfjit_object* ebpfjit_object_open_hardened(const char* path, const ebpfjit_open_options* c_options,
                                             const ebpfjit_hardening* hardening, char* err, size_t err_size) {
    return open_object(path, c_options, hardening, nullptr, nullptr, nullptr, err, err_size);
}

ebpfjit_object* ebpfjit_object_open_pinned(const char* path, const ebpfjit_open_options* c_options,
                                           const ebpfjit_hardening* hardening, ebpfjit_pin_registry* pins, char* err,
                                           size_t err_size) {
    return open_object(path, c_options, hardening, pins, nullptr, nullptr, err, err_size);
}

ebpfjit_object* ebpfjit_object_open_network(const char* path, const ebpfjit_open_options* c_options,
                                            const ebpfjit_hardening* hardening, ebpfjit_network* network,
                                            char* err, size_t err_size) {
    return open_object(path, c_options, hardening, nullptr, network, nullptr, err, err_size);
}

ebpfjit_object* ebpfjit_object_open_ext(const char* path, const ebpfjit_open_options* c_options,
                                        const ebpfjit_open_ext* ext, char* err, size_t err_size) {
    return open_object(path, c_options, ext ? ext->hardening : nullptr, ext ? ext->pins : nullptr, nullptr, ext, err,
                       err_size);
}

void ebpfjit_object_close(ebpfjit_object* object) { delete object; }

int64_t ebpfjit_object_run_timers(ebpfjit_object* object, uint64_t now_ns, char* err, size_t err_size) {
    return guarded<>(int64_t{-1}, err, err_size, [&]() -> int64_t {
        if (!object) return set_error(err, err_size, "no object given"), -1;
        auto ran = now_ns == 0 ? object->object.run_expired_timers() : object->object.run_expired_timers(now_ns);
        if (!ran) return set_error(err, err_size, ran.error().to_string()), -1;
        return int64_t(*ran);
    });
}

uint64_t ebpfjit_object_next_timer(const ebpfjit_object* object) {
    if (!object) return 0;
    return object->object.next_timer_expiry().value_or(0);
}

ebpfjit_program* ebpfjit_object_program(ebpfjit_object* object, const char* name, char* err, size_t err_size) {
    return guarded<>(static_cast<ebpfjit_program*>(nullptr), err, err_size, [&]() -> ebpfjit_program* {
        if (!object || !name) return set_error(err, err_size, "no object or name given"), nullptr;
        if (auto it = object->programs.find(name); it != object->programs.end()) return it->second.get();
        auto program = object->object.program(name);
        if (!program) return set_error(err, err_size, program.error().to_string()), nullptr;
        auto handle = std::make_unique<ebpfjit_program>(ebpfjit_program{*program});
        handle->lean = state_of(handle->program).lean_mem;
        handle->c_entry = handle->lean.c_entry;
        return object->programs.emplace(name, std::move(handle)).first->second.get();
    });
}

ebpfjit_map* ebpfjit_object_map(ebpfjit_object* object, const char* name) {
    return guarded<>(static_cast<ebpfjit_map*>(nullptr), nullptr, 0, [&]() -> ebpfjit_map* {
        if (!object || !name) return nullptr;
        if (auto it = object->maps.find(name); it != object->maps.end()) return it->second.get();
        auto map = object->object.map(name);
        if (!map) return nullptr;
        auto handle = std::make_unique<ebpfjit_map>(ebpfjit_map{*map});
        return object->maps.emplace(name, std::move(handle)).first->second.get();
    });
}

int ebpfjit_program_run_mem(ebpfjit_program* program, void* mem, size_t size, uint64_t* r0, char* err,
                            size_t err_size) {
    // The common case, decided when the handle was made: lean native code that never reads
    // its RunStatus, so it cannot fault (runtime/run/lean_run.hpp), and has a C entry
    // (jit::CompiledProgram::c_entry), which stores r0 and returns 0 itself: the tests, then
    // a tail jump (g++ -O2 emits `jmp *`: the C entry's signature is this function's, less
    // its handle and error buffer, and nothing is left to do after it).
    // Everything else (stackless code too large for a C entry, lean code with a RunStatus
    // (the eBPF stack, an unreachable-code trap), scoped runs, the argument errors, an oversized buffer, which Program::run
    // refuses: ebpfjit/limits.hpp) is out of line, and this path falls through its tests
    // with no taken branch.
    if (__builtin_expect(program != nullptr && r0 != nullptr && (mem != nullptr || size == 0) &&
                             size <= ebpfjit::kMaxMemSize && program->c_entry != nullptr,
                         1))
        return program->c_entry(reinterpret_cast<uint64_t>(mem), size, r0);
    return run_mem_other(program, mem, size, r0, err, err_size);
}

int ebpfjit_program_run_mem_engine(ebpfjit_program* program, ebpfjit_engine engine, void* mem, size_t size,
                                   uint64_t* r0, char* err, size_t err_size) {
    return guarded<>(-1, err, err_size, [&]() -> int {
        if (!program || !r0 || (!mem && size != 0)) return set_error(err, err_size, "invalid argument"), -1;
        auto chosen = engine_of(engine);
        if (!chosen) return set_error(err, err_size, "unknown engine"), -1;
        return run_mem(program, mem, size, r0, err, err_size, chosen);
    });
}

int ebpfjit_register_worker_thread(char* err, size_t err_size) {
    return guarded<>(-1, err, err_size, [&]() -> int {
        auto slot = ebpfjit::register_worker_thread();
        if (!slot) return set_error(err, err_size, slot.error().to_string()), -1;
        return static_cast<int>(*slot);
    });
}

ebpfjit_xdp_frame* ebpfjit_xdp_frame_new(uint32_t frame_size) {
    return guarded<>(static_cast<ebpfjit_xdp_frame*>(nullptr), nullptr, 0, [&] {
        return new ebpfjit_xdp_frame{ebpfjit::XdpFrame(frame_size ? frame_size : ebpfjit::XdpFrame::kDefaultFrameSize)};
    });
}

void ebpfjit_xdp_frame_free(ebpfjit_xdp_frame* frame) { delete frame; }

int ebpfjit_xdp_frame_load(ebpfjit_xdp_frame* frame, const void* packet, size_t len, uint32_t ingress_ifindex,
                           uint32_t rx_queue_index, char* err, size_t err_size) {
    return guarded<>(-1, err, err_size, [&]() -> int {
        if (!frame || (!packet && len != 0)) return set_error(err, err_size, "invalid argument"), -1;
        auto loaded = frame->frame.load(bytes(packet, len), ebpfjit::XdpRxInfo{ingress_ifindex, rx_queue_index, 0});
        if (!loaded) return set_error(err, err_size, loaded.error().to_string()), -1;
        return 0;
    });
}

uint8_t* ebpfjit_xdp_frame_data(ebpfjit_xdp_frame* frame, size_t* len) {
    if (!frame) return nullptr;
    auto packet = frame->frame.packet();
    if (len) *len = packet.size();
    return packet.data();
}

uint8_t* ebpfjit_xdp_frame_meta(ebpfjit_xdp_frame* frame, size_t* len) {
    if (!frame) return nullptr;
    auto meta = frame->frame.metadata();
    if (len) *len = meta.size();
    return meta.data();
}

int ebpfjit_program_run_xdp(ebpfjit_program* program, ebpfjit_xdp_frame* frame, ebpfjit_xdp_result* result,
                            char* err, size_t err_size) {
    return ebpfjit_program_run_xdp_burst(program, &frame, 1, result, err, err_size);
}

int ebpfjit_program_run_xdp_burst(ebpfjit_program* program, ebpfjit_xdp_frame* const* frames, size_t n,
                                  ebpfjit_xdp_result* results, char* err, size_t err_size) {
    return guarded<>(-1, err, err_size, [&]() -> int {
        if (!program || (n != 0 && (!frames || !results))) return set_error(err, err_size, "invalid argument"), -1;
        // The C handles wrap the C++ frames; convert in chunks on the stack.
        constexpr size_t kChunk = 64;
        ebpfjit::XdpFrame* chunk[kChunk];
        ebpfjit::XdpResult verdicts[kChunk];
        for (size_t base = 0; base < n; base += kChunk) {
            const size_t count = std::min(kChunk, n - base);
            for (size_t i = 0; i < count; ++i) {
                if (!frames[base + i])
                    return set_error(err, err_size, "frame " + std::to_string(base + i) + " is null"), -1;
                chunk[i] = &frames[base + i]->frame;
            }
            auto ran = program->program.run_xdp_burst(std::span(chunk, count), std::span(verdicts, count));
            for (size_t i = 0; i < count; ++i) results[base + i] = to_c(verdicts[i]);
            if (!ran) {
                ebpfjit::Error e = ran.error();
                if (base != 0) e.message = "after frame " + std::to_string(base) + ": " + e.message;
                return set_error(err, err_size, e.to_string()), -1;
            }
        }
        return 0;
    });
}

int ebpfjit_program_run_xdp_buffers(ebpfjit_program* program, ebpfjit_xdp_buffer* buffers, size_t n,
                                    uint32_t ingress_ifindex, uint32_t rx_queue_index, ebpfjit_xdp_result* results,
                                    char* err, size_t err_size) {
    return guarded<>(-1, err, err_size, [&]() -> int {
        if (!program || (n != 0 && (!buffers || !results))) return set_error(err, err_size, "invalid argument"), -1;
        // The buffers are the C++ API's own type (ebpfjit/xdp_buffer.h) and the runtime
        // writes the C results itself: nothing to convert.
        size_t completed = 0;
        bool frame_fault = false;
        auto ran = ebpfjit::runtime::run_xdp_buffers(state_of(program->program), std::span(buffers, n),
                                                     std::span(results, n), {ingress_ifindex, rx_queue_index, 0},
                                                     std::nullopt, completed, frame_fault);
        if (ran) [[likely]]
            return 0;
        ebpfjit::Error e = std::move(ran.error());
        if (frame_fault) e.message = "frame " + std::to_string(completed) + ": " + e.message;
        return set_error(err, err_size, e.to_string()), -1;
    });
}

const char* ebpfjit_xdp_action_name(uint32_t action) {
    if (action > static_cast<uint32_t>(ebpfjit::XdpAction::Redirect)) return "XDP_UNKNOWN";
    return ebpfjit::to_string(static_cast<ebpfjit::XdpAction>(action)).data();
}

ebpfjit_skb* ebpfjit_skb_new(uint32_t capacity) {
    return guarded<>(static_cast<ebpfjit_skb*>(nullptr), nullptr, 0, [&] {
        return new ebpfjit_skb{ebpfjit::SkbPacket(capacity ? capacity : ebpfjit::SkbPacket::kDefaultCapacity)};
    });
}

void ebpfjit_skb_free(ebpfjit_skb* skb) { delete skb; }

int ebpfjit_skb_load(ebpfjit_skb* skb, const void* frame, size_t len, uint32_t ifindex, char* err,
                     size_t err_size) {
    return guarded<>(-1, err, err_size, [&]() -> int {
        if (!skb || (!frame && len != 0)) return set_error(err, err_size, "invalid argument"), -1;
        ebpfjit::SkbMetadata meta;
        meta.ifindex = ifindex;
        meta.ingress_ifindex = ifindex;
        auto loaded = skb->skb.load(bytes(frame, len), meta);
        if (!loaded) return set_error(err, err_size, loaded.error().to_string()), -1;
        return 0;
    });
}

uint8_t* ebpfjit_skb_data(ebpfjit_skb* skb, size_t* len) {
    if (!skb) return nullptr;
    auto data = skb->skb.bytes();
    if (len) *len = data.size();
    return data.data();
}

int ebpfjit_program_run_tc(ebpfjit_program* program, ebpfjit_skb* skb, int32_t* code, uint32_t* redirect_port,
                           char* err, size_t err_size) {
    return guarded<>(-1, err, err_size, [&]() -> int {
        if (!program || !skb || !code) return set_error(err, err_size, "invalid argument"), -1;
        auto verdict = program->program.run_tc(skb->skb);
        if (!verdict) return set_error(err, err_size, verdict.error().to_string()), -1;
        *code = verdict->code;
        if (redirect_port)
            *redirect_port = verdict->outcome == ebpfjit::TcOutcome::Redirect ? verdict->redirect.ifindex : 0;
        return 0;
    });
}

int ebpfjit_program_run_socket_filter(ebpfjit_program* program, ebpfjit_skb* skb, uint32_t* keep, char* err,
                                      size_t err_size) {
    return guarded<>(-1, err, err_size, [&]() -> int {
        if (!program || !skb || !keep) return set_error(err, err_size, "invalid argument"), -1;
        auto kept = program->program.run_socket_filter(skb->skb);
        if (!kept) return set_error(err, err_size, kept.error().to_string()), -1;
        *keep = *kept;
        return 0;
    });
}

uint32_t ebpfjit_map_key_size(const ebpfjit_map* map) { return map ? map->map.key_size() : 0; }
uint32_t ebpfjit_map_value_size(const ebpfjit_map* map) { return map ? map->map.value_size() : 0; }
uint32_t ebpfjit_map_max_entries(const ebpfjit_map* map) { return map ? map->map.max_entries() : 0; }

int ebpfjit_map_lookup(const ebpfjit_map* map, const void* key, void* value) {
    return guarded<>(-ENOMEM, nullptr, 0, [&] {
        if (!map || !key || !value) return -EINVAL;
        return map->map.lookup(bytes(key, map->map.key_size()), bytes(value, map->map.value_size()));
    });
}

int ebpfjit_map_update(ebpfjit_map* map, const void* key, const void* value, uint64_t flags) {
    return guarded<>(-ENOMEM, nullptr, 0, [&] {
        if (!map || !key || !value) return -EINVAL;
        return map->map.update(bytes(key, map->map.key_size()), bytes(value, map->map.value_size()), flags);
    });
}

int ebpfjit_map_delete(ebpfjit_map* map, const void* key) {
    return guarded<>(-ENOMEM, nullptr, 0, [&] {
        if (!map || !key) return -EINVAL;
        return map->map.remove(bytes(key, map->map.key_size()));
    });
}

int ebpfjit_map_get_next_key(const ebpfjit_map* map, const void* key, void* next_key) {
    return guarded<>(-ENOMEM, nullptr, 0, [&] {
        if (!map || !next_key) return -EINVAL;
        const uint32_t size = map->map.key_size();
        return map->map.get_next_key(key ? bytes(key, size) : std::span<const uint8_t>{}, bytes(next_key, size));
    });
}

} // extern "C"

namespace {

std::optional<ebpfjit::IpAddress> ip_of(int family, const void* bytes) {
    if (!bytes || (family != AF_INET && family != AF_INET6)) return std::nullopt;
    ebpfjit::IpAddress a;
    a.family = uint8_t(family);
    std::memcpy(a.bytes.data(), bytes, a.length());
    return a;
}

std::array<uint8_t, 6> mac_of(const uint8_t* mac) {
    std::array<uint8_t, 6> out{};
    if (mac) std::memcpy(out.data(), mac, 6);
    return out;
}

} // namespace

ebpfjit_network* ebpfjit_network_new(void) {
    return guarded<>(static_cast<ebpfjit_network*>(nullptr), nullptr, 0, [] { return new ebpfjit_network; });
}

void ebpfjit_network_free(ebpfjit_network* network) { delete network; }

int ebpfjit_network_add_device(ebpfjit_network* network, uint32_t ifindex, uint32_t mtu, const uint8_t* mac,
                               int forwarding) {
    return guarded<>(-ENOMEM, nullptr, 0, [&]() -> int {
        if (!network || ifindex == 0) return -EINVAL;
        ebpfjit::NetDevice dev;
        dev.ifindex = ifindex;
        dev.mtu = mtu;
        dev.mac = mac_of(mac);
        dev.ipv4_forwarding = dev.ipv6_forwarding = forwarding != 0;
        network->network->add_device(dev);
        return 0;
    });
}

int ebpfjit_network_add_route(ebpfjit_network* network, int family, const void* prefix, uint8_t prefix_len,
                              uint32_t type, uint32_t ifindex, int gateway_family, const void* gateway,
                              uint32_t metric, uint32_t table) {
    return guarded<>(-ENOMEM, nullptr, 0, [&]() -> int {
        auto dst = ip_of(family, prefix);
        if (!network || !dst || prefix_len > dst->length() * 8 || type > EBPFJIT_ROUTE_LOCAL) return -EINVAL;
        ebpfjit::Route route;
        route.prefix = *dst;
        route.prefix_len = prefix_len;
        route.type = ebpfjit::RouteType(type);
        route.ifindex = ifindex;
        if (gateway) {
            route.gateway = ip_of(gateway_family, gateway);
            if (!route.gateway) return -EINVAL;
        }
        route.metric = metric;
        route.table = table ? table : 254;
        network->network->add_route(route);
        return 0;
    });
}

int ebpfjit_network_add_neighbour(ebpfjit_network* network, uint32_t ifindex, int family, const void* address,
                                  const uint8_t* mac) {
    return guarded<>(-ENOMEM, nullptr, 0, [&]() -> int {
        auto ip = ip_of(family, address);
        if (!network || !ip || !mac) return -EINVAL;
        network->network->add_neighbour({ifindex, *ip, mac_of(mac)});
        return 0;
    });
}

void ebpfjit_network_set_netns_cookie(ebpfjit_network* network, uint64_t cookie) {
    if (network) network->network->set_netns_cookie(cookie);
}

void ebpfjit_skb_set_socket(ebpfjit_skb* skb, uint64_t cookie, uint64_t cgroup_id, uint32_t classid) {
    if (skb) skb->skb.set_socket(ebpfjit::SkbSocket{cookie, cgroup_id, classid});
}

int ebpfjit_skb_set_tunnel(ebpfjit_skb* skb, const ebpfjit_tunnel_info* info) {
    return guarded<>(-ENOMEM, nullptr, 0, [&]() -> int {
        if (!skb) return -EINVAL;
        if (!info) {
            skb->skb.tunnel().reset();
            return 0;
        }
        if (info->options_len > sizeof info->options) return -EINVAL;
        ebpfjit::TunnelInfo t;
        t.ipv6 = info->ipv6 != 0;
        t.tx = info->tx != 0;
        t.id = info->id;
        std::copy(std::begin(info->remote), std::end(info->remote), t.remote.begin());
        std::copy(std::begin(info->local), std::end(info->local), t.local.begin());
        t.tos = info->tos;
        t.ttl = info->ttl;
        t.flags = info->flags;
        t.label = info->label;
        t.options.assign(info->options, info->options + info->options_len);
        skb->skb.tunnel() = std::move(t);
        return 0;
    });
}

void ebpfjit_skb_tunnel(const ebpfjit_skb* skb, ebpfjit_tunnel_info* info) {
    if (!info) return;
    *info = ebpfjit_tunnel_info{};
    if (!skb || !skb->skb.tunnel()) return;
    const ebpfjit::TunnelInfo& t = *skb->skb.tunnel();
    info->present = 1;
    info->ipv6 = t.ipv6;
    info->tx = t.tx;
    info->id = t.id;
    std::copy(t.remote.begin(), t.remote.end(), info->remote);
    std::copy(t.local.begin(), t.local.end(), info->local);
    info->tos = t.tos;
    info->ttl = t.ttl;
    info->flags = t.flags;
    info->label = t.label;
    info->options_len = uint32_t(std::min(t.options.size(), sizeof info->options));
    std::memcpy(info->options, t.options.data(), info->options_len);
}

size_t ebpfjit_skb_clone_count(const ebpfjit_skb* skb) { return skb ? skb->skb.clones().size() : 0; }

const uint8_t* ebpfjit_skb_clone(const ebpfjit_skb* skb, size_t index, size_t* len, uint32_t* ifindex,
                                 int* ingress) {
    if (!skb || index >= skb->skb.clones().size()) return nullptr;
    const ebpfjit::ClonedPacket& c = skb->skb.clones()[index];
    if (len) *len = c.bytes.size();
    if (ifindex) *ifindex = c.ifindex;
    if (ingress) *ingress = c.ingress;
    return c.bytes.data();
}
