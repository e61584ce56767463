// Unreachable-code traps (jit/unreachable_runs.hpp). Per trapped run, after its labels:
//   mov  r11d, first           the run's first slot
//   jmp  stub                  (short when it reaches: 7 bytes, else 10)
// and once per program, after the code:
//   stub: mov  r10, [r12 + status]
//         mov  dword [r10 + fault], UnreachableCode
//         mov  dword [r10 + slot], r11d
//         jmp  abort
// A program with traps has the full entry frame (entry_frame_needs), so r12 is FrameInfo
// at every call depth and the abort path unwinds local calls.
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
    a_.mov(kScratchB, x86::qword_ptr(kFrameInfo, engine_abi::kInfoStatus));
    a_.mov(x86::dword_ptr(kScratchB, engine_abi::kRunStatusFaultOffset),
           static_cast<uint32_t>(engine_abi::Fault::UnreachableCode));
    a_.mov(x86::dword_ptr(kScratchB, engine_abi::kRunStatusSlotOffset), kScratchA.r32());
    jump(x86::Inst::kIdJmp, abort_);
}

} // namespace ebpfjit::jit::x86_64
