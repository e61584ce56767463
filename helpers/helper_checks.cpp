#include "helpers/helper_checks.hpp"

#include <cstring>

#include <fmt/format.h>

#include "engine_abi/execution_state.hpp"
#include "engine_abi/sock_layout.hpp"
#include "runtime/maps/map.hpp"

namespace ebpfjit::helpers {

maps::Map* find_bound_map(const ProgramBindings& bindings, uint64_t ptr) {
    if (ptr == 0) return nullptr;
    for (const auto& b : bindings.maps)
        if (reinterpret_cast<uint64_t>(b.map) == ptr) return b.map;
    return nullptr;
}

namespace {

// Checks one argument; `map` is the map argument of the same call (if any), `next` the
// following argument (the size of a memory argument).
Result<void> check_argument(ArgType type, uint64_t value, uint64_t next, const maps::Map* map,
                            const engine_abi::GuestMemory& memory, const std::string& where) {
    auto need = [&](uint64_t size, bool write) -> Result<void> {
        if (memory.allows(value, size, write)) return {};
        return fail(Error::plain(fmt::format("{}: {} bytes at {:#x} are not {} program memory",
                                             where, size, value, write ? "writable" : "readable")));
    };
    switch (type) {
    case ArgType::ConstMapPtr:
        if (map == nullptr) return fail(Error::plain(fmt::format("{}: {:#x} is not a map of this program", where, value)));
        return {};
    case ArgType::PtrToMapKey:
        return map ? need(map->definition().key_size, false) : Result<void>{};
    case ArgType::PtrToMapValue:
        return map ? need(map->definition().value_size, false) : Result<void>{};
    case ArgType::PtrToUninitMapValue:
        return map ? need(map->definition().value_size, true) : Result<void>{};
    case ArgType::PtrToMemOrNull:
        if (value == 0) return {};
        return need(next, false);
    case ArgType::PtrToMem: return need(next, false);
    case ArgType::PtrToUninitMem: return need(next, true);
    case ArgType::PtrToLong: return need(sizeof(uint64_t), true);
    case ArgType::PtrToInt: return need(sizeof(uint32_t), true);
    case ArgType::PtrToSpinLock: return need(sizeof(uint32_t), true);
    case ArgType::PtrToTimer: return need(16, true); // struct bpf_timer
    case ArgType::PtrToConstStr: {
        const uint64_t extent = memory.extent_from(value, false);
        if (extent == 0 || std::memchr(reinterpret_cast<const void*>(value), 0, extent) == nullptr)
            return fail(Error::plain(fmt::format("{}: no NUL-terminated string at {:#x} in program memory", where, value)));
        return {};
    }
    default: return {}; // scalars, ctx, callbacks: nothing for the interpreter to check
    }
}

} // namespace

namespace {

// The call's map (its ConstMapPtr argument, if one of the program's).
const maps::Map* call_map(const Helper& helper, const HelperArgs& args, const ProgramBindings& bindings) {
    for (size_t i = 0; i < args.size(); ++i)
        if (helper.proto.args[i] == ArgType::ConstMapPtr) return find_bound_map(bindings, args[i]);
    return nullptr;
}

} // namespace

Result<void> check_helper_arguments(const Helper& base, const HelperArgs& args,
                                    const engine_abi::GuestMemory& memory,
                                    const ProgramBindings& bindings, uint32_t pc) {
    const maps::Map* map = call_map(base, args, bindings);
    // On a socket map the value argument is a socket, checked by the helper itself.
    const Helper helper = map ? on_map_type(base, map->definition().type) : base;
    for (size_t i = 0; i < args.size(); ++i) {
        const uint64_t next = i + 1 < args.size() ? args[i + 1] : 0;
        const std::string where = fmt::format("call {}#{}: argument r{}", helper.name, helper.id, i + 1);
        auto ok = check_argument(helper.proto.args[i], args[i], next, map, memory, where);
        if (!ok) return fail(Error::at_insn(pc, ok.error().message));
    }
    return {};
}

void record_helper_result(const Helper& base, const HelperArgs& args, uint64_t r0,
                          engine_abi::GuestMemory& memory, const ProgramBindings& bindings) {
    // A socket map's lookup returns a held socket, not a map value.
    const maps::Map* map = base.on_socket_maps.map_types ? call_map(base, args, bindings) : nullptr;
    const Helper helper = map ? on_map_type(base, map->definition().type) : base;
    // bpf_sk_release: the socket's fields are withdrawn with the run's last reference to it
    // (the Socket may be freed now), so a stale pointer reads nothing. Only on success:
    // then the argument was a held socket's address, not some other region.
    if (r0 == 0 && helper.proto.refs.releases == helpers::RefKind::Socket && helper.proto.refs.release_arg >= 0) {
        const uint64_t sk = args[size_t(helper.proto.refs.release_arg)];
        const engine_abi::ExecutionState* st = engine_abi::ExecutionState::current();
        if (!st || !st->held_socket(sk)) memory.restore_dynamic(sk, std::nullopt);
    }
    if (r0 == 0) return;
    switch (helper.proto.ret) {
    // A held socket's struct bpf_sock fields: read-only (engine_abi/sock_layout.hpp).
    case helpers::RetType::SocketOrNull:
    case helpers::RetType::SockCommonOrNull: memory.add_dynamic(r0, engine_abi::kBpfSockSize, false); break;
    case helpers::RetType::MapValueOrNull:
        if (const maps::Map* map = find_bound_map(bindings, args[0]))
            memory.add_dynamic(r0, map->definition().value_size, true);
        break;
    case helpers::RetType::AllocMemOrNull: memory.add_dynamic(r0, args[1], true); break;
    default: break;
    }
}

} // namespace ebpfjit::helpers
