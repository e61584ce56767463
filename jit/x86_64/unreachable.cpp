// Unreachable-code traps (jit/unreachable_runs.hpp). Per trapped run, after its labels:
//   mov  r11d, first           the run's first slot
//   jmp  stub                  (short when it reaches: 7 bytes, else 10)
// and once per program, after the code, in a full frame (r12 = FrameInfo at every call
// depth; the abort path unwinds local calls):
//   stub: mov  r10, [r12 + status]
//         mov  dword [r10 + fault], UnreachableCode
//         mov  dword [r10 + slot], r11d
//         jmp  abort
// and in a lean one (EntryFrameNeeds::trap_status; frame_layout.hpp), where the entry
// pushed its RunStatus* at the frame's bottom: rsp is that bottom at every slot of a
// program without local calls, else r12 holds it (the anchor), and the entry epilogue
// pops the lean frame:
//   stub: mov  r10, [rsp|r12 + status_at]
//         mov  dword [r10 + fault], UnreachableCode
//         mov  dword [r10 + slot], r11d
//         xor  eax, eax                r0 = 0
//        (mov  rsp, r12)               local calls: unwind them
//         jmp  epilogue 0
#include "engine_abi/run_status.hpp"
#include "jit/x86_64/emitter.hpp"
#include "jit/x86_64/frame_layout.hpp"

namespace ebpfjit::jit::x86_64 {

void Emitter::emit_unreachable_trap(uint32_t first) {
    a_.mov(kScratchA.r32(), first);
    jump(x86::Inst::kIdJmp, unreachable_stub_);
}

void Emitter::emit_unreachable_stub() {
    a_.bind(unreachable_stub_);
    const x86::Gpq bottom = frame_.anchor ? kFrameInfo : x86::rsp; // lean frames
    if (frame_.full) a_.mov(kScratchB, x86::qword_ptr(kFrameInfo, engine_abi::kInfoStatus));
    else a_.mov(kScratchB, x86::qword_ptr(bottom, frame_.status_at));
    a_.mov(x86::dword_ptr(kScratchB, engine_abi::kRunStatusFaultOffset),
           static_cast<uint32_t>(engine_abi::Fault::UnreachableCode));
    a_.mov(x86::dword_ptr(kScratchB, engine_abi::kRunStatusSlotOffset), kScratchA.r32());
    if (frame_.full) {
        jump(x86::Inst::kIdJmp, abort_);
        return;
    }
    a_.xor_(x86::eax, x86::eax);
    if (frame_.anchor) a_.mov(x86::rsp, kFrameInfo);
    jump(x86::Inst::kIdJmp, epilogues_[0]);
}

} // namespace ebpfjit::jit::x86_64
