// Instruction budget (jit/budget.cpp decides the charges): before a charged slot,
//   ldr  x17, [x24, #status]     kTableBase = RunStatus*
//   ldr  x6, [x17, #budget_left] kLimit = what is left of the budget
//   subs x6, x6, #charge         (charge through kImm when imm12 cannot hold it)
//   b.lo stub                    borrow: the charge is more than what is left
//   str  x6, [x17, #budget_left]
// or, with the counter in a register (Lowered::budget_reg, jit/budget.cpp),
//   subs reg, reg, #charge       (through kImm as above)
//   b.lo stub
// and out of line, per charged slot, the stub records the fault and aborts the run. The
// memory form's b.lo skips the store, so RunStatus keeps the value before the charge: the
// register form's stub adds the charge back, and the entry epilogue stores that
// (emit_budget_flush).
#include "jit/arm64/emitter.hpp"
#include "jit/arm64/frame_layout.hpp"
#include "engine_abi/run_status.hpp"

namespace ebpfjit::jit::arm64 {

void Emitter::emit_budget_charge() {
    asmjit::Label stub = a_.newLabel();
    budget_faults_.emplace_back(stub, pc_);
    const uint32_t charge = slot_->budget_charge;
    const bool in_register = lowered_.budget_reg != 0;
    const a64::GpX left = in_register ? gpx(lowered_.budget_reg) : kLimit;
    if (!in_register) {
        a_.ldr(kTableBase, a64::ptr(kFrameInfo, engine_abi::kInfoStatus));
        a_.ldr(kLimit, a64::ptr(kTableBase, engine_abi::kRunStatusBudgetOffset));
    }
    if (charge < 4096) {
        a_.subs(left, left, charge);
    } else {
        load_constant(kImm, charge);
        a_.subs(left, left, kImm);
    }
    branch(asmjit::arm::CondCode::kLO, stub);
    if (!in_register) a_.str(kLimit, a64::ptr(kTableBase, engine_abi::kRunStatusBudgetOffset));
}

// Clobbers kTableBase.
void Emitter::emit_budget_load() {
    if (lowered_.budget_reg == 0) return;
    a_.ldr(kTableBase, a64::ptr(kFrameInfo, engine_abi::kInfoStatus));
    a_.ldr(gpx(lowered_.budget_reg), a64::ptr(kTableBase, engine_abi::kRunStatusBudgetOffset));
}

// Clobbers kTableBase.
void Emitter::emit_budget_flush() {
    if (lowered_.budget_reg == 0) return;
    a_.ldr(kTableBase, a64::ptr(kFrameInfo, engine_abi::kInfoStatus));
    a_.str(gpx(lowered_.budget_reg), a64::ptr(kTableBase, engine_abi::kRunStatusBudgetOffset));
}

// The stubs, entered with kTableBase = RunStatus* (the memory form). CompiledProgram fills
// in the value.
void Emitter::emit_budget_faults() {
    for (const auto& [stub, pc] : budget_faults_) {
        pc_ = pc;
        bind(stub);
        if (lowered_.budget_reg != 0) {
            const a64::GpX left = gpx(lowered_.budget_reg);
            const uint32_t charge = lowered_.slots[pc].budget_charge;
            if (charge < 4096) {
                a_.add(left, left, charge);
            } else {
                load_constant(kImm, charge);
                a_.add(left, left, kImm);
            }
            a_.ldr(kTableBase, a64::ptr(kFrameInfo, engine_abi::kInfoStatus));
        }
        load_constant(kImm, static_cast<uint32_t>(engine_abi::Fault::BudgetExceeded));
        a_.str(kImm.w(), a64::ptr(kTableBase, engine_abi::kRunStatusFaultOffset));
        load_constant(kImm, pc);
        a_.str(kImm.w(), a64::ptr(kTableBase, engine_abi::kRunStatusSlotOffset));
        branch(asmjit::arm::CondCode::kAL, abort_);
    }
}

} // namespace ebpfjit::jit::arm64
