// A lean run: native code that needs no per-run state (jit::CompiledProgram::lean) is
// run by one native call: with nothing else when the code neither reads nor writes its
// RunStatus (no r10, no budget, no unreachable-code trap: run_lean_stackless), else with a
// RunStatus on the caller's stack, and the thread's eBPF stack level when the code reads
// its stack top. No ExecutionState, no thread-local written, no checker, nothing
// allocated; an Error is built only if the run faults (issue 18 item 2).
//
// What the run needs is decided when the program is prepared: a LeanEntry copies it out
// of the CompiledProgram into the caller's handle (PreparedProgram, Program::State, the
// C API's ebpfjit_program), so a call reads it with one load from the handle it holds.
#pragma once

#include <cassert>
#include <cstdint>
#include <cstring>

#include "ebpfjit/error.hpp"
#include "engine_abi/execution_state.hpp"
#include "engine_abi/run_status.hpp"
#include "jit/compiled_program.hpp"
#include "runtime/run/ebpf_stack.hpp"

namespace ebpfjit::runtime {

struct LeanEntry {
    engine_abi::EntryFn entry = nullptr; // nullptr: the code is not lean, a run takes a RunScope
    // The code gets a RunStatus (jit::RunNeeds::status: it reads it, or an unreachable-code
    // trap may write a fault into it): the run fills and tests one (enter_lean_stack).
    // Without it the code never reads or writes the status at all (a lean frame with no
    // r10, no budget, no trap and no abort path), so it cannot fault: run_lean_stackless.
    bool status = false;
    // The code also reads RunStatus::stack_top (jit::RunNeeds::stack: r10, a full frame, a
    // budget): the run takes an eBPF stack level. Implies `status`.
    bool stack = false;
    uint64_t budget = 0;          // RunStatus::budget_left at entry
    const jit::CompiledProgram* code = nullptr; // what a fault's Error names
    // The code's C entry (jit::CompiledProgram::c_entry: stackless code of a bounded size),
    // or null: what the C API tail-jumps into.
    engine_abi::CEntryFn c_entry = nullptr;

    // The lean entry of `code`, or an empty one if it has none (null or not lean).
    static LeanEntry of(const jit::CompiledProgram* code) {
        if (code == nullptr || !code->lean()) return {};
        // A budget makes a full frame (RunNeeds::stack) already; the test keeps "stackless
        // code never sees its status" true whatever the backends decide.
        const uint64_t budget = code->instruction_budget();
        const bool stack = code->run_needs().stack || budget != 0;
        const bool status = stack || code->run_needs().status;
        return {code->entry(), status, stack, budget, code, status ? nullptr : code->c_entry()};
    }
    explicit operator bool() const { return entry != nullptr; }
};

// What a lean run keeps across the native call, and the RunStatus the code gets.
//
// It lives in memory the call may see (the code gets its address), so a caller keeps
// nothing in callee-saved registers for it: a caller that needs more after the call (the
// C API: r0 and the error buffer) derives from it.
//
// The status is raw storage, not a RunStatus object, because stores are what a ~4 ns run
// is made of (one per cycle on the machines we measure): before the call only what lean
// code reads (budget_left if it was compiled with a budget; stack_top if it uses r10) and
// what the caller tests (fault, with slot) are written. The code writes slot and value when it faults; it never reads
// `checked` (lean code has no checked accesses). status() gives a RunStatus of what was
// written, for the fault's Error.
struct LeanCall {
    alignas(engine_abi::RunStatus) unsigned char raw[sizeof(engine_abi::RunStatus)];
    bool nested; // enter_lean_stack: the run took a nested eBPF stack level

    // Not a fault the code writes: enter_lean_stack found no eBPF stack level.
    static constexpr engine_abi::Fault kNoStack = static_cast<engine_abi::Fault>(UINT32_MAX);

    engine_abi::RunStatus* code_status() { return reinterpret_cast<engine_abi::RunStatus*>(raw); }
    // `budget`: 0 for code compiled without one, which never reads budget_left.
    void start(uint64_t budget) {
        const uint64_t fault_and_slot = 0; // Fault::None, slot 0: one store
        static_assert(engine_abi::kRunStatusSlotOffset == engine_abi::kRunStatusFaultOffset + 4);
        std::memcpy(raw + engine_abi::kRunStatusFaultOffset, &fault_and_slot, 8);
        if (budget != 0) std::memcpy(raw + engine_abi::kRunStatusBudgetOffset, &budget, 8);
    }
    void set_stack_top(uint8_t* top) { std::memcpy(raw + engine_abi::kRunStatusStackTopOffset, &top, sizeof top); }
    void set_fault(engine_abi::Fault fault) { std::memcpy(raw + engine_abi::kRunStatusFaultOffset, &fault, sizeof fault); }
    engine_abi::Fault fault() const {
        engine_abi::Fault fault;
        std::memcpy(&fault, raw + engine_abi::kRunStatusFaultOffset, sizeof fault);
        return fault;
    }
    bool ok() const { return fault() == engine_abi::Fault::None; }
    // What the code reported: fault, slot, and the value of the faults that set one.
    engine_abi::RunStatus status() const {
        engine_abi::RunStatus status;
        std::memcpy(&status.fault, raw + engine_abi::kRunStatusFaultOffset, sizeof status.fault);
        std::memcpy(&status.slot, raw + engine_abi::kRunStatusSlotOffset, sizeof status.slot);
        if (status.fault == engine_abi::Fault::UnknownCallxTarget)
            std::memcpy(&status.value, raw + engine_abi::kRunStatusValueOffset, sizeof status.value);
        return status;
    }
};

// One run of lean code that does not use its RunStatus (!LeanEntry::status): the native
// call and nothing else, r0 in a register. The code never looks at its status (no r10,
// no budget, no FrameInfo, no abort path, no trap: jit::run_needs), so it gets none (a null
// pointer: no stack space, nothing stored before the call, no fault tested after it).
// Builds with assertions (Check, Debug: what the tests run) pass a status with no fault
// and check that it comes back untouched.
// Always inlined: a call layer is a measurable share of a ~3 ns run.
[[gnu::always_inline]] inline uint64_t run_lean_stackless(const LeanEntry& lean, uint64_t r1, uint64_t r2,
                                                          const uint8_t* packet, uint64_t packet_len) {
#ifdef NDEBUG
    return lean.entry(r1, r2, packet, packet_len, nullptr);
#else
    LeanCall call;
    call.start(0);
    const uint64_t r0 = lean.entry(r1, r2, packet, packet_len, call.code_status());
    assert(call.ok() && "stackless lean code wrote its RunStatus: jit::run_needs is wrong");
    return r0;
#endif
}

// One run of lean code that uses its status (LeanEntry::status): its r0 if `call.ok()`
// afterwards, else lean_error says why. `packet`: what LD_ABS / LD_IND read. Code that
// reads its stack top (LeanEntry::stack) gets the thread's eBPF stack level around
// the call (the next level for a nested run: a lean program run from a helper of another
// run); code whose only use of the status is an unreachable-code trap gets none: the
// status alone is one store before the call and one test after it.
[[gnu::always_inline]] inline uint64_t enter_lean_stack(const LeanEntry& lean, uint64_t r1, uint64_t r2,
                                                        const uint8_t* packet, uint64_t packet_len, LeanCall& call) {
    call.start(lean.budget);
    if (!lean.stack) return lean.entry(r1, r2, packet, packet_len, call.code_status());
    call.nested = engine_abi::ExecutionState::current() != nullptr;
    uint8_t* const top = EbpfStacks::enter(call.nested);
    if (top == nullptr) [[unlikely]] {
        call.set_fault(LeanCall::kNoStack);
        return 0;
    }
    call.set_stack_top(top);
    const uint64_t r0 = lean.entry(r1, r2, packet, packet_len, call.code_status());
    EbpfStacks::leave(call.nested);
    return r0;
}

// Why a lean run's call is not ok().
[[gnu::cold, gnu::noinline]] Error lean_error(const LeanEntry& lean, const LeanCall& call);

// A lean run as a Result, built in the caller's slot.
[[gnu::always_inline]] inline Result<uint64_t> run_lean(const LeanEntry& lean, uint64_t r1, uint64_t r2,
                                                        const uint8_t* packet, uint64_t packet_len) {
    if (!lean.status) return run_lean_stackless(lean, r1, r2, packet, packet_len);
    LeanCall call;
    const uint64_t r0 = enter_lean_stack(lean, r1, r2, packet, packet_len, call);
    if (call.ok()) [[likely]]
        return r0;
    return fail(lean_error(lean, call));
}

} // namespace ebpfjit::runtime
