// A lean run: native code that needs no per-run state (jit::CompiledProgram::lean) is
// run by one native call, with a RunStatus on the caller's stack and, if the code uses
// r10, the thread's eBPF stack level. No ExecutionState, no thread-local written, no
// checker, nothing allocated; an Error is built only if the run faults (issue 18 item 2).
//
// What the run needs is decided when the program is prepared: a LeanEntry copies it out
// of the CompiledProgram into the caller's handle (PreparedProgram, Program::State, the
// C API's ebpfjit_program), so a call reads it with one load from the handle it holds.
#pragma once

#include <cstdint>

#include "ebpfjit/error.hpp"
#include "engine_abi/execution_state.hpp"
#include "engine_abi/run_status.hpp"
#include "jit/compiled_program.hpp"
#include "runtime/run/ebpf_stack.hpp"

namespace ebpfjit::runtime {

struct LeanEntry {
    jit::EntryFn entry = nullptr; // nullptr: the code is not lean, a run takes a RunScope
    bool stack = false;           // the code uses r10: the run takes an eBPF stack level
    uint64_t budget = 0;          // RunStatus::budget_left at entry
    const jit::CompiledProgram* code = nullptr; // what a fault's Error names

    // The lean entry of `code`, or an empty one if it has none (null or not lean).
    static LeanEntry of(const jit::CompiledProgram* code) {
        if (code == nullptr || !code->lean()) return {};
        return {code->entry(), code->run_needs().stack, code->instruction_budget(), code};
    }
    explicit operator bool() const { return entry != nullptr; }
};

// One run of `lean` (non-empty): true with its r0, or false with `status` saying why (the
// fault, or Fault::None when no eBPF stack level was left: lean_error turns it into the
// Error). `packet`: what LD_ABS / LD_IND read. A nested run (a lean program run from a
// helper of another run) takes the next eBPF stack level. Always inlined: a call layer
// is a measurable share of a ~2 ns run.
[[gnu::always_inline]] inline bool enter_lean(const LeanEntry& lean, uint64_t r1, uint64_t r2, const uint8_t* packet,
                                              uint64_t packet_len, jit::RunStatus& status, uint64_t& r0) {
    status.budget_left = lean.budget;
    if (!lean.stack) {
        r0 = lean.entry(r1, r2, packet, packet_len, &status);
        return status.fault == jit::Fault::None;
    }
    const bool nested = ExecutionState::current() != nullptr;
    status.stack_top = EbpfStacks::enter(nested);
    if (status.stack_top == nullptr) [[unlikely]]
        return false;
    r0 = lean.entry(r1, r2, packet, packet_len, &status);
    EbpfStacks::leave(nested);
    return status.fault == jit::Fault::None;
}

// Why enter_lean returned false.
[[gnu::cold, gnu::noinline]] Error lean_error(const LeanEntry& lean, const jit::RunStatus& status);

// enter_lean as a Result, built in the caller's slot.
[[gnu::always_inline]] inline Result<uint64_t> run_lean(const LeanEntry& lean, uint64_t r1, uint64_t r2,
                                                        const uint8_t* packet, uint64_t packet_len) {
    jit::RunStatus status;
    uint64_t r0 = 0;
    if (enter_lean(lean, r1, r2, packet, packet_len, status, r0)) [[likely]]
        return r0;
    return fail(lean_error(lean, status));
}

} // namespace ebpfjit::runtime
