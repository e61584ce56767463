// Prologues, epilogues and the abort path (frame_layout.hpp draws the frames).
#include "jit/run_status.hpp"
#include "jit/x86_64/emitter.hpp"
#include "jit/x86_64/frame_layout.hpp"

namespace ebpfjit::jit::x86_64 {

// The entry's callee-saved registers, in push order.
static const x86::Gpq kEntrySaved[kEntryPushes] = {x86::rbp, x86::rbx, x86::r12,
                                                   x86::r13, x86::r14, x86::r15};
// What a local call's callee saves: the caller's r6-r9 and r10.
static const x86::Gpq kLocalSaved[5] = {x86::rbx, x86::r13, x86::r14, x86::r15, x86::rbp};

// In: rdi = r1, rsi = r2, rdx = packet, rcx = packet_len, r8 = RunStatus*.
void Emitter::emit_entry_prologue() {
    for (const auto& r : kEntrySaved) a_.push(r);
    a_.sub(x86::rsp, kEntryFrameSize);
    a_.lea(kFrameInfo, x86::ptr(x86::rsp, kStack));
    a_.mov(x86::qword_ptr(kFrameInfo, kInfoTailCallCount), 0);
    a_.mov(x86::qword_ptr(kFrameInfo, kInfoPacket), x86::rdx);
    a_.mov(x86::qword_ptr(kFrameInfo, kInfoPacketLen), x86::rcx);
    a_.mov(x86::qword_ptr(kFrameInfo, kInfoStatus), x86::r8);
    a_.bind(body_entry_);
    a_.mov(x86::rbp, kFrameInfo); // r10: top of the entry frame's stack
}

void Emitter::emit_local_prologue() {
    for (const auto& r : kLocalSaved) a_.push(r);
    a_.sub(x86::rsp, kLocalFrameSize);
    a_.lea(x86::rbp, x86::ptr(x86::rsp, kLocalFrameSize));
}

void Emitter::emit_epilogue(bool entry) {
    if (entry) {
        a_.add(x86::rsp, kEntryFrameSize);
        for (int i = kEntryPushes - 1; i >= 0; --i) a_.pop(kEntrySaved[i]);
    } else {
        a_.mov(x86::rsp, x86::rbp);
        for (int i = 4; i >= 0; --i) a_.pop(kLocalSaved[i]);
    }
    a_.ret();
}

// Ends the whole run with r0 = 0 from any call depth: rsp goes back to the entry frame
// (found through r12), then the entry epilogue. Out-of-line fault stubs record the fault
// in RunStatus first.
void Emitter::emit_abort_path() {
    for (auto& [label, pc] : callx_faults_) {
        a_.bind(label);
        a_.mov(kScratchB, x86::qword_ptr(kFrameInfo, kInfoStatus));
        a_.mov(x86::dword_ptr(kScratchB, kRunStatusFaultOffset),
               static_cast<uint32_t>(Fault::UnknownCallxTarget));
        a_.mov(x86::dword_ptr(kScratchB, kRunStatusSlotOffset), pc);
        a_.mov(x86::qword_ptr(kScratchB, kRunStatusValueOffset), kScratchA); // the id
        jump(x86::Inst::kIdJmp, abort_);
    }
    a_.bind(abort_);
    a_.xor_(x86::eax, x86::eax);
    a_.lea(x86::rsp, x86::ptr(kFrameInfo, -kStack));
    jump(x86::Inst::kIdJmp, epilogues_[0]);
}

} // namespace ebpfjit::jit::x86_64
