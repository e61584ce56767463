// The eBPF stack of JIT runs: a mapping of its own per thread and run nesting level, never
// the host's call stack (defence in depth, issue 14). Native return addresses and saved
// host registers stay on the host stack; r10 points in here, so a frame-relative access
// that a verifier bug let through reaches other eBPF frames or a PROT_NONE guard, never
// host state.
//
//   higher addresses
//   ┌──────────────────────────────┐
//   │ guard, PROT_NONE (kGuard)    │  r10 + any s16 offset from the top frame stops here
//   ├──────────────────────────────┤ ◄── top: the entry frame's r10
//   │ chain 0: entry + local calls │  up to kMaxCallDepth frames, kFrameStride apart
//   │ chain 1: bpf_loop callback   │  a callback's frames start kChainBytes lower per
//   │ ...                          │  nesting level (JitCallbacks: at most
//   │ chain 7                      │  kMaxCallDepth - 1 levels of callbacks)
//   ├──────────────────────────────┤ ◄── top - kRunStackBytes
//   │ guard, PROT_NONE (kGuard)    │  r10 + any s16 offset from the deepest frame stops here
//   └──────────────────────────────┘
//
// RunScope takes one level for its runs (RunStatus::stack_top = the level's top): level 0
// when no run is active on the thread; a helper that starts a nested run opens a scope of
// its own, which takes the next free level. Levels
// are mapped lazily on first use and kept for the thread's life: a run makes no syscall.
// The memory is not cleared between runs (the native stack was not either); what a run
// can find there is what earlier eBPF frames on this thread left, never host data. A
// verified program never sees it: the bytes it may read before writing them
// (verifier Facts::stack_zero) are zeroed at each frame entry (jit/*/stack_zero.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "isa/instruction.hpp"

namespace ebpfjit::jit {

// A local callee's r10 is its caller's minus kFrameStride: between two frames lie
// kFrameGap bytes no frame owns, so checked code (which may touch only the active
// frames' 512 bytes, jit/checked_run.hpp) refuses an access just past a frame's top, as
// the kernel's verifier does, and as it did when saved registers sat there.
inline constexpr size_t kFrameGap = 64;
inline constexpr size_t kFrameStride = isa::kStackSize + kFrameGap;
inline constexpr size_t kChainBytes = size_t{isa::kMaxCallDepth} * kFrameStride;  // 4.5 KiB
inline constexpr size_t kRunStackBytes = size_t{isa::kMaxCallDepth} * kChainBytes; // 36 KiB
static_assert(kFrameStride % 16 == 0 && kFrameStride < 4096, "one `sub r10, imm` per local call");
// Beyond any r10 + s16 offset (the instruction's reach) on either side.
inline constexpr size_t kGuardBytes = 64 * 1024;
// Runs nested inside runs on one thread (each a helper starting another run).
inline constexpr uint32_t kMaxNestedRuns = 8;

class EbpfStacks {
public:
    // A run scope's level top on this thread, or nullptr when runs nest deeper than
    // kMaxNestedRuns or mapping failed (the scope's runs then fail). `nested`: another run
    // may be active on this thread (ExecutionState::current() was set), so the scope takes
    // the next free level. An outermost scope takes level 0 without writing anything: no
    // per-run read-modify-write of thread-local memory (one would chain run to run).
    static uint8_t* enter(bool nested) {
        if (nested) [[unlikely]]
            return enter_nested();
        uint8_t* top = levels().tops[0];
        if (top == nullptr) [[unlikely]]
            top = map_level(0);
        return top;
    }
    // Gives back what a successful enter(nested) took.
    static void leave(bool nested) {
        if (nested) [[unlikely]]
            --levels().nested;
    }

    // A level's top (its entry frames' r10), for tests; nullptr if not mapped yet.
    static uint8_t* level_top(uint32_t level) { return level < kMaxNestedRuns ? levels().tops[level] : nullptr; }

private:
    // Trivially destructible, so the thread_local needs no guard on the run path; the
    // mappings are released at thread exit by an owner registered in map_level.
    struct Levels {
        uint32_t nested; // levels 1..nested are taken by nested scopes
        uint8_t* tops[kMaxNestedRuns];
    };
    static Levels& levels() {
        thread_local Levels l{};
        return l;
    }
    [[gnu::cold, gnu::noinline]] static uint8_t* map_level(uint32_t level);
    [[gnu::cold, gnu::noinline]] static uint8_t* enter_nested();
};

} // namespace ebpfjit::jit
