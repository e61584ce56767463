// Indirect branches, plain or through a retpoline (LoweringOptions::retpoline, Spectre v2):
// the CPU's indirect-branch predictor never sees an indirect call or jump; the only
// speculation is the `call`'s return-stack prediction, which lands in a pause/lfence trap.
//
//   call site:  call thunk                  (tail calls: jmp thunk)
//   thunk:      call set_target             pushes `trap` as the return address
//   trap:       pause ; lfence ; jmp trap   where a mispredicted `ret` speculates
//   set_target: mov [rsp], r10              replace it with the real target
//               ret                         to the target, with the call site's frame
//
// The target is always in scratch B (r10). Helper calls are indirect too once relocated
// (asmjit turns a call beyond rel32 into `call [rip + address table]`), so with the
// option they take the thunk as well. One thunk per program, after the code.
#include "jit/x86_64/emitter.hpp"

namespace ebpfjit::jit::x86_64 {

void Emitter::call_indirect(const x86::Gpq& target) {
    if (!lowered_.retpoline) {
        a_.call(target);
        return;
    }
    if (target.id() != kScratchB.id()) a_.mov(kScratchB, target);
    use_retpoline();
    a_.call(retpoline_);
}

void Emitter::jump_indirect(const x86::Gpq& target) {
    if (!lowered_.retpoline) {
        a_.jmp(target);
        return;
    }
    if (target.id() != kScratchB.id()) a_.mov(kScratchB, target);
    use_retpoline();
    a_.jmp(retpoline_);
}

void Emitter::call_helper(helpers::HelperFn fn) {
    const auto address = reinterpret_cast<uint64_t>(fn);
    if (!lowered_.retpoline) {
        a_.call(asmjit::imm(address));
        return;
    }
    a_.mov(kScratchB, address);
    call_indirect(kScratchB);
}

void Emitter::use_retpoline() {
    if (!retpoline_.isValid()) retpoline_ = a_.newLabel();
}

void Emitter::emit_retpoline_thunk() {
    if (!retpoline_.isValid()) return;
    asmjit::Label trap = a_.newLabel();
    asmjit::Label set_target = a_.newLabel();
    a_.align(asmjit::AlignMode::kCode, 16);
    a_.bind(retpoline_);
    a_.call(set_target);
    a_.bind(trap);
    a_.pause();
    a_.lfence();
    a_.jmp(trap);
    a_.bind(set_target);
    a_.mov(x86::qword_ptr(x86::rsp), kScratchB);
    a_.ret();
}

} // namespace ebpfjit::jit::x86_64
