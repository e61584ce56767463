// Instruction budget (jit/budget.cpp decides the charges): before a charged slot,
//   mov  r10, [r12 + status]          scratch B = RunStatus* (FrameInfo: full entry frame)
//   sub  qword [r10 + budget_left], charge
//   jb   stub                          borrow: the charge is more than what is left
// or, with the counter in a register (Lowered::budget_reg, jit/budget.cpp),
//   sub  reg, charge
//   jb   stub
// and out of line, per charged slot, the stub records the fault and aborts the run. The
// register form's stub leaves the wrapped difference in the register, as the memory
// form's `sub` leaves it in memory; the entry epilogue stores it (emit_budget_flush).
#include "engine_abi/run_status.hpp"
#include "jit/x86_64/emitter.hpp"
#include "jit/x86_64/frame_layout.hpp"

namespace ebpfjit::jit::x86_64 {

void Emitter::emit_budget_charge() {
    asmjit::Label stub = a_.newLabel();
    budget_faults_.emplace_back(stub, pc_);
    if (lowered_.budget_reg != 0) {
        a_.sub(gpq(lowered_.budget_reg), static_cast<int32_t>(slot_->budget_charge));
    } else {
        a_.mov(kScratchB, x86::qword_ptr(kFrameInfo, engine_abi::kInfoStatus));
        a_.sub(x86::qword_ptr(kScratchB, engine_abi::kRunStatusBudgetOffset), static_cast<int32_t>(slot_->budget_charge));
    }
    jump(x86::Inst::kIdJb, stub);
}

// Clobbers scratch B.
void Emitter::emit_budget_load() {
    if (lowered_.budget_reg == 0) return;
    a_.mov(kScratchB, x86::qword_ptr(kFrameInfo, engine_abi::kInfoStatus));
    a_.mov(gpq(lowered_.budget_reg), x86::qword_ptr(kScratchB, engine_abi::kRunStatusBudgetOffset));
}

// Clobbers scratch B.
void Emitter::emit_budget_flush() {
    if (lowered_.budget_reg == 0) return;
    a_.mov(kScratchB, x86::qword_ptr(kFrameInfo, engine_abi::kInfoStatus));
    a_.mov(x86::qword_ptr(kScratchB, engine_abi::kRunStatusBudgetOffset), gpq(lowered_.budget_reg));
}

// The stubs, entered with scratch B = RunStatus* (the memory form). CompiledProgram fills
// in the value.
void Emitter::emit_budget_faults() {
    for (const auto& [stub, pc] : budget_faults_) {
        a_.bind(stub);
        if (lowered_.budget_reg != 0) a_.mov(kScratchB, x86::qword_ptr(kFrameInfo, engine_abi::kInfoStatus));
        a_.mov(x86::dword_ptr(kScratchB, engine_abi::kRunStatusFaultOffset), static_cast<uint32_t>(engine_abi::Fault::BudgetExceeded));
        a_.mov(x86::dword_ptr(kScratchB, engine_abi::kRunStatusSlotOffset), pc);
        jump(x86::Inst::kIdJmp, abort_);
    }
}

} // namespace ebpfjit::jit::x86_64
