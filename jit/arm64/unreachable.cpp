// Unreachable-code traps (jit/unreachable_runs.hpp). Per trapped run, after its labels:
//   movz w9, #first            (movk too past 65535) kImm = the run's first slot
//   b    stub
// and once per program, after the code, in a full frame (x24 = FrameInfo at every call
// depth; the abort path unwinds local calls):
//   stub: ldr  x17, [x24, #status]
//         str  w9, [x17, #slot]
//         movz w9, #UnreachableCode
//         str  w9, [x17, #fault]
//         b    abort
// and in a lean one (EntryFrameNeeds::trap_status; frame_layout.hpp), where the entry
// pushed its RunStatus* at the frame's bottom: sp is that bottom at every slot of a
// program without local calls, else x24 holds it (the anchor), and the entry epilogue
// pops the lean frame:
//   stub: ldr  x17, [sp|x24]
//         str  w9, [x17, #slot]
//         movz w9, #UnreachableCode
//         str  w9, [x17, #fault]
//         mov  x7, xzr                 r0 = 0
//        (mov  sp, x24)                local calls: unwind them
//         b    epilogue 0
#include "engine_abi/run_status.hpp"
#include "jit/arm64/emitter.hpp"
#include "jit/arm64/frame_layout.hpp"

namespace ebpfjit::jit::arm64 {

void Emitter::emit_unreachable_trap(uint32_t first) {
    load_constant(kImm, first);
    branch(asmjit::arm::CondCode::kAL, unreachable_stub_);
}

void Emitter::emit_unreachable_stub() {
    bind(unreachable_stub_);
    if (frame_.full) a_.ldr(kTableBase, a64::ptr(kFrameInfo, engine_abi::kInfoStatus));
    else a_.ldr(kTableBase, a64::ptr(frame_.anchor ? kFrameInfo : a64::sp));
    a_.str(kImm.w(), a64::ptr(kTableBase, engine_abi::kRunStatusSlotOffset));
    load_constant(kImm, static_cast<uint32_t>(engine_abi::Fault::UnreachableCode));
    a_.str(kImm.w(), a64::ptr(kTableBase, engine_abi::kRunStatusFaultOffset));
    if (frame_.full) {
        branch(asmjit::arm::CondCode::kAL, abort_);
        return;
    }
    a_.mov(gpx(0), a64::xzr);
    if (frame_.anchor) a_.mov(a64::sp, kFrameInfo);
    branch(asmjit::arm::CondCode::kAL, epilogues_[0]);
}

} // namespace ebpfjit::jit::arm64
