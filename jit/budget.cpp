// Instruction budget for JIT code: which slots charge it, and how much.
//
// Counting every instruction would cost more than the program; but any run longer than
// the program itself must take a back-edge (no recursion; tail calls stop at 33), so
// charging at back-edges bounds every run. A back-edge charges the length of the loop
// it closes (target .. jump, in slots), so that the budget reads as instructions, close
// to the interpreter's exact count; a local call charges 1, so that chains of calls are
// bounded as well. The backends emit the charge (x86_64/budget.cpp, arm64/budget.cpp).
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

} // namespace ebpfjit::jit::detail
