// Instruction budget (jit/budget.cpp decides the charges): before a charged slot,
//   mov  r10, [r12 + status]          scratch B = RunStatus* (FrameInfo: full entry frame)
//   sub  qword [r10 + budget_left], charge
//   jb   stub                          borrow: the charge is more than what is left
// and out of line, per charged slot, the stub records the fault and aborts the run.
#include "engine_abi/run_status.hpp"
#include "jit/x86_64/emitter.hpp"
#include "jit/x86_64/frame_layout.hpp"

namespace ebpfjit::jit::x86_64 {

void Emitter::emit_budget_charge() {
    asmjit::Label stub = a_.newLabel();
    budget_faults_.emplace_back(stub, pc_);
    a_.mov(kScratchB, x86::qword_ptr(kFrameInfo, engine_abi::kInfoStatus));
    a_.sub(x86::qword_ptr(kScratchB, engine_abi::kRunStatusBudgetOffset), static_cast<int32_t>(slot_->budget_charge));
    jump(x86::Inst::kIdJb, stub);
}

// The stubs, entered with scratch B = RunStatus*. CompiledProgram fills in the value.
void Emitter::emit_budget_faults() {
    for (const auto& [stub, pc] : budget_faults_) {
        a_.bind(stub);
        a_.mov(x86::dword_ptr(kScratchB, engine_abi::kRunStatusFaultOffset), static_cast<uint32_t>(engine_abi::Fault::BudgetExceeded));
        a_.mov(x86::dword_ptr(kScratchB, engine_abi::kRunStatusSlotOffset), pc);
        jump(x86::Inst::kIdJmp, abort_);
    }
}

} // namespace ebpfjit::jit::x86_64
