// The one run-scope type of both engines: what a run (or a burst of runs on one thread)
// sets up and tears down around the engine, so that helpers find the same per-run state
// whichever engine runs the program.
//
//   RunScope(state, type)          the interpreter's: Interpreter::run makes its machine
//   RunScope(code, state)          native code's: CompiledProgram from jit/ (code + metadata)
//     ctor   publishes `state` as ExecutionState::current() (restores the previous one at
//            the end: a helper may start a nested run), sets the program type; native:
//            takes the thread's eBPF stack level, points RunStatus at the run's checker
//            (runtime/run/checked_run.hpp) and installs the JIT's callback invoker
//     begin  per run: ctx = r1, tail-call count and redirect reset (as the kernel does)
//     run    native: begin, budget and fault reset, the regions checked code may touch,
//            the entry call; a fault becomes an Error (runtime/run/native_fault.hpp)
//     dtor   the invoker and ExecutionState::current() as they were
//
// A burst (PreparedProgram::run_xdp_burst, as DPDK's rte_bpf_exec_burst) keeps one scope
// for all its frames; over the embedder's buffers each frame is one run_next. Code that
// needs none of this (jit::RunNeeds) runs without a scope: runtime/run/lean_run.hpp.
//
// g++ 12 reports the hook stored into the caller's state as a dangling pointer wherever the
// constructor is inlined; the destructor takes it back out before the scope ends.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "ebpfjit/error.hpp"
#include "ebpfjit/memory_region.hpp"
#include "ebpfjit/program_type.hpp"
#include "engine_abi/execution_state.hpp"
#include "engine_abi/run_status.hpp"
#include "jit/compiled_program.hpp"
#include "runtime/run/checked_run.hpp"
#include "runtime/run/ebpf_stack.hpp"
#include "runtime/run/jit_callbacks.hpp"
#include "runtime/run/native_fault.hpp"

namespace ebpfjit::runtime {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdangling-pointer"
class RunScope {
public:
    RunScope(engine_abi::ExecutionState& state, ProgramType type)
        : state_(state), previous_(engine_abi::ExecutionState::current()), previous_callbacks_(state.callbacks),
          callbacks_(status_, checked_) {
        state_.type = type;
        engine_abi::ExecutionState::current() = &state_;
    }
    RunScope(const jit::CompiledProgram& code, engine_abi::ExecutionState& state) : RunScope(state, code.type()) {
        code_ = &code;
        status_.stack_top = EbpfStacks::enter(previous_ != nullptr);
        status_.checked = &checked_;
        state_.callbacks = callbacks_.invoker();
    }
    // The callback hook may point into this scope: it goes with it.
    ~RunScope() {
        if (code_ != nullptr && status_.stack_top != nullptr) EbpfStacks::leave(previous_ != nullptr);
        state_.callbacks = previous_callbacks_;
        engine_abi::ExecutionState::current() = previous_;
    }
    RunScope(const RunScope&) = delete;
    RunScope& operator=(const RunScope&) = delete;

    // Starts a run with ctx `r1`: the per-run fields helpers read and write.
    void begin(uint64_t r1) {
        state_.ctx = reinterpret_cast<void*>(r1);
        state_.tail_calls = 0;
        state_.redirect = {};
    }
    // The engine's callback invoker for the run (the interpreter's is its machine's).
    void set_callbacks(engine_abi::CallbackInvoker invoker) { state_.callbacks = invoker; }

    // One run of the native code; `regions` must stay valid until it returns.
    Result<uint64_t> run(uint64_t r1, uint64_t r2, std::span<const uint8_t> packet,
                         std::span<const MemoryRegion> regions = {}) {
        if (status_.stack_top == nullptr) [[unlikely]]
            return fail(no_stack_error());
        begin(r1);
        status_.fault = engine_abi::Fault::None;
        status_.budget_left = code_->instruction_budget();
        checked_.reset(regions);
        const uint64_t r0 = code_->entry()(r1, r2, packet.data(), packet.size(), &status_);
        if (status_.fault == engine_abi::Fault::None) [[likely]]
            return r0;
        return fail(native_fault_error(*code_, status_, checked_.made()));
    }

    // A callback of the code run by itself, not from a helper (a due bpf_timer's:
    // runtime/object_timers.cpp): the thunk `fn` (what LDDW src 4 loaded) with r1..r5, at
    // the top of this scope's eBPF stack level, as an entry would run. `regions` as run()'s.
    Result<uint64_t> run_callback(uint64_t fn, const std::array<uint64_t, 5>& args,
                                  std::span<const MemoryRegion> regions) {
        if (status_.stack_top == nullptr) [[unlikely]]
            return fail(no_stack_error());
        begin(0);
        status_.fault = engine_abi::Fault::None;
        status_.budget_left = code_->instruction_budget();
        checked_.reset(regions);
        const uint64_t r0 =
            reinterpret_cast<CallbackThunk>(fn)(args[0], args[1], args[2], args[3], args[4], &status_);
        if (status_.fault == engine_abi::Fault::None) [[likely]]
            return r0;
        return fail(native_fault_error(*code_, status_, checked_.made()));
    }

    // The next run of a burst whose runs all share ctx `r1` (a borrowing XdpFrame pointed
    // at each buffer in turn): what begin() resets, but the redirect decision only when
    // the previous run set one (helpers write it whole), and no packet for LD_ABS (XDP
    // has none). The status's fault is None here: a burst stops at the first fault.
    [[gnu::always_inline]] Result<uint64_t> run_next(uint64_t r1, std::span<const MemoryRegion> regions) {
        if (status_.stack_top == nullptr) [[unlikely]]
            return fail(no_stack_error());
        state_.ctx = reinterpret_cast<void*>(r1);
        state_.tail_calls = 0;
        if (state_.redirect.set) [[unlikely]]
            state_.redirect = {};
        status_.budget_left = code_->instruction_budget();
        checked_.reset(regions);
        const uint64_t r0 = code_->entry()(r1, 0, nullptr, 0, &status_);
        if (status_.fault == engine_abi::Fault::None) [[likely]]
            return r0;
        return fail(native_fault_error(*code_, status_, checked_.made()));
    }

private:
    const jit::CompiledProgram* code_ = nullptr; // null: the interpreter's scope
    engine_abi::ExecutionState& state_;
    engine_abi::ExecutionState* previous_;
    engine_abi::CallbackInvoker previous_callbacks_;
    engine_abi::RunStatus status_;
    LazyCheckedRun checked_;
    JitCallbacks callbacks_;
};
#pragma GCC diagnostic pop

} // namespace ebpfjit::runtime
