// Instruction budget for JIT code: which slots charge it, and how much.
//
// Counting every instruction would cost more than the program; but any run longer than
// the program itself must take a back-edge (no recursion; tail calls stop at 33), so
// charging at back-edges bounds every run. A back-edge charges the length of the loop
// it closes (target .. jump, in slots), so that the budget reads as instructions, close
// to the interpreter's exact count; a local call charges 1, so that chains of calls are
// bounded as well. The backends emit the charge (x86_64/budget.cpp, arm64/budget.cpp).
//
// The counter in a register (Lowered::budget_reg, Optimisations::budget_register): a charge
// in memory loads the RunStatus pointer and subtracts from RunStatus::budget_left (a load
// and a store) on every trip of a loop, which in a tight loop is what the JIT loses to
// native code (docs/performance.md). So where a host register is free all run long, it
// holds what is left instead, and the charge is `sub reg, N; jb stub` (A64: subs, b.lo).
// The register is the host register of an eBPF r6-r9 the program never reads or writes
// and the region cache (access_cache.cpp) did not take: callee-saved on both backends,
// saved by the full entry frame every budgeted program has, no sequence's temporary.
//
// Exactly the memory form's semantics, because RunStatus::budget_left equals the register
// wherever anything else can read or charge it:
// - loaded at the body entry (the run's start and every tail call's landing: the tail
//   caller flushed its own counter first);
// - stored before every helper call, callx and tail call and loaded again after it (a
//   tail call's target charges RunStatus; no helper a one-subprogram program can reach
//   runs eBPF code, but across any call RunStatus is the counter all the same), and
//   stored in the entry epilogue, which every exit and every fault takes (the abort path
//   unwinds through it). A budget fault stub leaves in the register what the
//   memory form leaves in memory (x86-64: the wrapped difference `sub` wrote; A64: the
//   value before the charge, whose store the b.lo skipped), so the epilogue writes the
//   same bytes.
// Only programs of one subprogram: a local call's callee saves and restores r6-r9 (its
// charges would be undone at its return) and a callback thunk runs with registers of its
// own; and none with block operations (idioms.cpp, or a loop version's: hoist_checks.hpp),
// which charge RunStatus themselves.
#include <variant>

#include "jit/lowering_passes.hpp"

namespace ebpfjit::jit::detail {

void mark_budget_charges(Lowered& out) {
    for (size_t pc = 0; pc < out.slots.size(); ++pc) {
        LoweredSlot& slot = out.slots[pc];
        if (!slot.emit) continue;
        if (const auto* j = std::get_if<isa::Jump>(&slot.insn); j && static_cast<size_t>(j->target) <= pc)
            slot.budget_charge = static_cast<uint32_t>(pc - static_cast<size_t>(j->target) + 1);
        else if (slot.call == CallRole::Local)
            slot.budget_charge = 1;
    }
}

void assign_budget_register(Lowered& out) {
    out.budget_reg = 0;
    if (out.instruction_budget == 0 || out.subprograms.size() != 1 || !out.block_ops.empty()) return;
    // A loop version's block op (hoist_checks.hpp) charges RunStatus itself, as block ops do.
    for (const LoopVersion& v : out.loop_versions)
        if (v.block_op) return;
    bool charges = false;
    for (const LoweredSlot& slot : out.slots) charges = charges || (slot.emit && slot.budget_charge != 0);
    if (!charges) return;
    uint16_t taken = out.regs_used;
    for (const Lowered::AccessCacheRegs& regs : out.access_cache_regs)
        if (regs) taken = static_cast<uint16_t>(taken | 1u << regs.start | 1u << regs.span);
    for (uint8_t r = 9; r >= 6; --r)
        if (((taken >> r) & 1) == 0) {
            out.budget_reg = r;
            return;
        }
}

} // namespace ebpfjit::jit::detail
