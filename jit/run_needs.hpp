// What a run of compiled code must set up besides the entry call, decided at compile time
// (jit::run_needs over the lowered program) so that a run pays only for what its program
// uses (issue 18 item 2). The runtime picks its run path by it (runtime/run/).
// RunNeeds is metadata the JIT hands over with the code; nothing in jit/ reads it at run time.
#pragma once

namespace ebpfjit::jit {

struct RunNeeds {
    // The run's ExecutionState (ExecutionState::current(), per-CPU slot, callback
    // invoker): some call may read it (Lowered::uses_run_state). Without it a run sets no
    // thread-local and builds no state; helpers that still ask (maps::current_cpu) get the
    // thread's own slot, which is what the state would have held.
    bool state = true;
    // The eBPF stack (RunStatus::stack_top, engine_abi/ebpf_stack_layout.hpp): the entry reads it.
    bool stack = true;
    // A RunStatus: the code reads it (`stack` implies this) or may write a fault into it.
    // Lean code whose only use is an unreachable-code trap (status without stack) gets a
    // status but takes no eBPF stack level (runtime/run/lean_run.hpp); only code without
    // it may be run with none at all.
    bool status = true;
};

} // namespace ebpfjit::jit
