// Per-run state a helper may need (packet buffer, tail-call count, per-CPU slot).
// The interpreter and the JIT entry set ExecutionState::current() for the running thread.
#pragma once

#include <cstdint>

#include "ebpfjit/program_type.hpp"

namespace ebpfjit::runtime {

struct ExecutionState {
    ProgramType type = ProgramType::Mem;
    void* ctx = nullptr;      // r1 at entry
    uint32_t cpu = 0;         // this worker's per-CPU slot
    uint32_t tail_calls = 0;  // tail calls taken so far in this run (kernel limit: 33)

    // The state of the calling thread's current run, or nullptr outside a run.
    static ExecutionState*& current() {
        thread_local ExecutionState* state = nullptr;
        return state;
    }
};

} // namespace ebpfjit::runtime
