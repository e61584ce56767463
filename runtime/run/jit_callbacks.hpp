// The JIT's side of helper callbacks (engine_abi/execution_state.hpp draws the protocol).
// LDDW src 4 loads the native address of a callback's entry thunk (jit/x86_64/callbacks.cpp,
// jit/arm64/callbacks.cpp), a C-convention function; this invoker, installed in
// ExecutionState by a RunScope over native code, calls it.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "engine_abi/execution_state.hpp"
#include "engine_abi/run_status.hpp"

namespace ebpfjit::runtime {

class LazyCheckedRun; // runtime/run/checked_run.hpp

// What LDDW src 4 loads: r1..r5 and the run's status (a fault inside the callback is
// recorded there and the thunk returns 0).
using CallbackThunk = uint64_t (*)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                   uint64_t r5, engine_abi::RunStatus* status);

class JitCallbacks {
public:
    // `checked`: the run's checked state, which grants the callback what the helper hands over.
    JitCallbacks(engine_abi::RunStatus& status, LazyCheckedRun& checked) : status_(status), checked_(checked) {}
    engine_abi::CallbackInvoker invoker() { return {&JitCallbacks::invoke, this}; }

private:
    // Stops the helper once the run has faulted. Nesting is bounded at run time too (the
    // lowering counts a callback as a frame of the subprogram that loads its address, but
    // a callback address can travel), so a forged chain cannot exhaust the native stack.
    static bool invoke(void* self, uint64_t fn, const std::array<uint64_t, 5>& args,
                       std::span<const engine_abi::CallbackMemory> memory, uint64_t& r0);

    engine_abi::RunStatus& status_;
    LazyCheckedRun& checked_;
    uint32_t nesting_ = 0;
};

} // namespace ebpfjit::runtime
