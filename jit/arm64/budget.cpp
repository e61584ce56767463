// Instruction budget (jit/budget.cpp decides the charges): before a charged slot,
//   ldr  x17, [x24, #status]     kTableBase = RunStatus*
//   ldr  x6, [x17, #budget_left] kLimit = what is left of the budget
//   subs x6, x6, #charge         (charge through kImm when imm12 cannot hold it)
//   b.lo stub                    borrow: the charge is more than what is left
//   str  x6, [x17, #budget_left]
// and out of line, per charged slot, the stub records the fault and aborts the run.
#include "jit/arm64/emitter.hpp"
#include "jit/arm64/frame_layout.hpp"
#include "engine_abi/run_status.hpp"

namespace ebpfjit::jit::arm64 {

void Emitter::emit_budget_charge() {
    asmjit::Label stub = a_.newLabel();
    budget_faults_.emplace_back(stub, pc_);
    const uint32_t charge = slot_->budget_charge;
    a_.ldr(kTableBase, a64::ptr(kFrameInfo, engine_abi::kInfoStatus));
    a_.ldr(kLimit, a64::ptr(kTableBase, engine_abi::kRunStatusBudgetOffset));
    if (charge < 4096) {
        a_.subs(kLimit, kLimit, charge);
    } else {
        load_constant(kImm, charge);
        a_.subs(kLimit, kLimit, kImm);
    }
    branch(asmjit::arm::CondCode::kLO, stub);
    a_.str(kLimit, a64::ptr(kTableBase, engine_abi::kRunStatusBudgetOffset));
}

// The stubs, entered with kTableBase = RunStatus*. CompiledProgram fills in the value.
void Emitter::emit_budget_faults() {
    for (const auto& [stub, pc] : budget_faults_) {
        pc_ = pc;
        bind(stub);
        load_constant(kImm, static_cast<uint32_t>(engine_abi::Fault::BudgetExceeded));
        a_.str(kImm.w(), a64::ptr(kTableBase, engine_abi::kRunStatusFaultOffset));
        load_constant(kImm, pc);
        a_.str(kImm.w(), a64::ptr(kTableBase, engine_abi::kRunStatusSlotOffset));
        branch(asmjit::arm::CondCode::kAL, abort_);
    }
}

} // namespace ebpfjit::jit::arm64
