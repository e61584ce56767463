// The eBPF stacks of JIT runs on this thread (the layout: engine_abi/ebpf_stack_layout.hpp).
//
// A RunScope (runtime/run/run_scope.hpp) takes one level for its runs (RunStatus::stack_top
// = the level's top): level 0 when no run is active on the thread; a helper that starts a
// nested run opens a scope of its own, which takes the next free level. Levels are mapped
// lazily on first use and kept for the thread's life: a run makes no syscall. The memory
// is not cleared between runs (the native stack was not either); what a run can find
// there is what earlier eBPF frames on this thread left, never host data.
// A verified program never sees it: the bytes it may read before writing them (verifier
// Facts::stack_zero) are zeroed at each frame entry (jit/*/stack_zero.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine_abi/ebpf_stack_layout.hpp"

namespace ebpfjit::runtime {

using engine_abi::kMaxNestedRuns;

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

} // namespace ebpfjit::runtime
