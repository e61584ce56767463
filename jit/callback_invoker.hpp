// The JIT's side of helper callbacks (engine_abi/execution_state.hpp draws the protocol).
// LDDW src 4 loads the native address of a callback's entry thunk (x86_64/callbacks.cpp),
// a SysV function; this invoker, installed in ExecutionState for each run, calls it.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "engine_abi/run_status.hpp"
#include "engine_abi/execution_state.hpp"

namespace ebpfjit::jit {

// What LDDW src 4 loads: r1..r5 and the run's status (a fault inside the callback is
// recorded there and the thunk returns 0).
using CallbackThunk = uint64_t (*)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                   uint64_t r5, RunStatus* status);

class JitCallbacks {
public:
    explicit JitCallbacks(RunStatus& status) : status_(status) {}
    runtime::CallbackInvoker invoker() { return {&JitCallbacks::invoke, this}; }

private:
    // Stops the helper once the run has faulted. Nesting is bounded at run time too (the
    // lowering counts a callback as a frame of the subprogram that loads its address, but
    // a callback address can travel), so a forged chain cannot exhaust the native stack.
    static bool invoke(void* self, uint64_t fn, const std::array<uint64_t, 5>& args,
                       std::span<const runtime::CallbackMemory> memory, uint64_t& r0);

    RunStatus& status_;
    uint32_t nesting_ = 0;
};

} // namespace ebpfjit::jit
