// Helpers that call back into the program: 181 bpf_loop and 164 bpf_for_each_map_elem.
// The callback is a subprogram whose address the program loaded with LDDW src 4; the
// helper runs it through the engine's hook in engine_abi::ExecutionState (the interpreter
// runs it on a fresh frame, the JIT calls its native entry thunk). Semantics follow
// kernel/bpf/bpf_iter.c (bpf_loop) and the maps' map_for_each_callback.
#include <linux/bpf.h>

#include <array>
#include <cerrno>
#include <cstdint>

#include "helpers/helper_families.hpp"
#include "helpers/helper_table.hpp"
#include "engine_abi/execution_state.hpp"
#include "runtime/maps/map.hpp"

namespace ebpfjit::helpers {
namespace {

constexpr uint32_t kMaxLoops = 1u << 23; // BPF_MAX_LOOPS

uint64_t ret(int64_t v) { return static_cast<uint64_t>(v); }

engine_abi::ExecutionState* engine_state() {
    engine_abi::ExecutionState* state = engine_abi::ExecutionState::current();
    return state != nullptr && state->callbacks.invoke != nullptr ? state : nullptr;
}

// long bpf_loop(u32 nr_loops, void *callback_fn, void *callback_ctx, u64 flags)
// callback: long (*)(u64 index, void *ctx); 0 continues, 1 stops.
// Returns the number of iterations done (the stopping one included).
uint64_t loop(uint64_t nr_loops, uint64_t fn, uint64_t ctx, uint64_t flags, uint64_t) {
    if (flags != 0) return ret(-EINVAL);
    const auto count = static_cast<uint32_t>(nr_loops);
    if (count > kMaxLoops) return ret(-E2BIG);
    engine_abi::ExecutionState* state = engine_state();
    if (state == nullptr) return ret(-EINVAL); // not inside a run: nothing to call back
    for (uint32_t i = 0; i < count; ++i) {
        uint64_t r0 = 0;
        if (!state->invoke_callback(fn, {i, ctx, 0, 0, 0}, {}, r0)) return 0; // the run is ending
        if (r0 != 0) return uint64_t{i} + 1;
    }
    return count;
}

// The maps the kernel's map_for_each_callback exists for: the hash and array maps. The
// prototype gives the verifier the same set.
namespace type = engine_abi::map_type;
constexpr MapTypeMask kForEachMapTypes = map_types({type::kArray, type::kPercpuArray, type::kHash, type::kPercpuHash,
                                                    type::kLruHash, type::kLruPercpuHash});
bool supports_for_each(uint32_t type) { return (kForEachMapTypes & map_type_bit(type)) != 0; }

// long bpf_for_each_map_elem(struct bpf_map *map, void *callback_fn, void *callback_ctx, u64 flags)
// callback: long (*)(struct bpf_map *map, const void *key, void *value, void *ctx);
// 0 continues, 1 stops. Per-CPU maps hand out this worker's value. Returns the number
// of elements visited (the stopping one included).
uint64_t for_each_map_elem(uint64_t map_ptr, uint64_t fn, uint64_t ctx, uint64_t flags, uint64_t) {
    if (flags != 0) return ret(-EINVAL);
    auto* map = reinterpret_cast<maps::Map*>(map_ptr);
    const maps::MapDefinition& def = map->definition();
    // The kernel's verifier refuses other map types ("callback function not allowed for map").
    if (!supports_for_each(def.type)) return ret(-maps::kENOTSUPP);
    engine_abi::ExecutionState* state = engine_state();
    if (state == nullptr) return ret(-EINVAL);
    bool ending = false;
    const size_t visited = map->for_each([&](const void* key, void* value) {
        const std::array<engine_abi::CallbackMemory, 2> memory{{
            {key, def.key_size, false},
            {value, def.value_size, (def.flags & engine_abi::map_flag::kRdonlyProg) == 0, true},
        }};
        uint64_t r0 = 0;
        const std::array<uint64_t, 5> args{map_ptr, reinterpret_cast<uint64_t>(key),
                                           reinterpret_cast<uint64_t>(value), ctx, 0};
        if (!state->invoke_callback(fn, args, memory, r0)) {
            ending = true;
            return false;
        }
        return r0 == 0;
    });
    return ending ? 0 : static_cast<uint64_t>(visited);
}

} // namespace

void register_callback_helpers(HelperTable& table) {
    using A = ArgType;
    constexpr ArgType N = ArgType::None;
    using P = CallbackParam;
    table.add({BPF_FUNC_loop, "loop",
               {.ret = RetType::Integer,
                .args = {A::Anything, A::PtrToFunc, A::PtrToStackOrNull, A::Anything, N},
                .callback = {.func_arg = 1, .params = {P::Scalar, P::Ctx}}}, // (u64 index, void *ctx)
               kAllProgramTypes, loop});
    // callback: (struct bpf_map *map, const void *key, void *value, void *ctx)
    table.add({BPF_FUNC_for_each_map_elem, "for_each_map_elem",
               {.ret = RetType::Integer,
                .args = {A::ConstMapPtr, A::PtrToFunc, A::PtrToStackOrNull, A::Anything, N},
                .map_types = kForEachMapTypes,
                .callback = {.func_arg = 1, .params = {P::MapPtr, P::MapKey, P::MapValue, P::Ctx}}},
               kAllProgramTypes, for_each_map_elem});
}

} // namespace ebpfjit::helpers
