// What a prog array slot holds and how JIT code reads it: the part of
// BPF_MAP_TYPE_PROG_ARRAY (runtime/maps/prog_array.hpp draws the whole) that both engines
// and the JIT's emitted code depend on, so that jit/ needs no map code to tail-call.
//
// ProgramEntry names isa::Program (below this layer) and helpers::ProgramBindings (above
// it) only as pointers the interpreter follows; engine_abi never includes helpers/.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ebpfjit::isa { struct Program; }
namespace ebpfjit::helpers { struct ProgramBindings; }

namespace ebpfjit::engine_abi {

// One loaded program as both engines see it. Either side may be absent: JIT code falls
// through a slot whose native_entry is null, the interpreter one whose program is null.
struct ProgramEntry {
    const void* native_entry = nullptr; // JIT: the body after the prologue (frame reused)
    const isa::Program* program = nullptr;           // interpreter: the IR to continue with
    const helpers::ProgramBindings* bindings = nullptr; // and its maps / helpers
    // and the bytes [r10 + lo, r10 + hi) its entry zeroes (verifier Facts::stack_zero of
    // subprogram 0): what the JIT's entry code zeroes when a tail call lands there.
    int32_t stack_zero_lo = 0;
    int32_t stack_zero_hi = 0;
    // and the verifier's Facts::reachable of that IR (nullptr or empty: no proof): the
    // interpreter stops at a slot marked false, as the JIT's traps do.
    const std::vector<bool>* reachable = nullptr;
};

// Standard layout, read directly by JIT code (offsets below).
struct TailCallSlots {
    std::atomic<const ProgramEntry*>* entries = nullptr;
    uint32_t count = 0;
};
static_assert(std::atomic<const ProgramEntry*>::is_always_lock_free);
inline constexpr int32_t kTailCallSlotsEntriesOffset = offsetof(TailCallSlots, entries);
inline constexpr int32_t kTailCallSlotsCountOffset = offsetof(TailCallSlots, count);
inline constexpr int32_t kProgramEntryNativeOffset = offsetof(ProgramEntry, native_entry);

} // namespace ebpfjit::engine_abi
