// Unreachable-code traps (jit/unreachable_runs.hpp). Per trapped run, after its labels:
//   movz w9, #first            (movk too past 65535) kImm = the run's first slot
//   b    stub
// and once per program, after the code:
//   stub: ldr  x17, [x24, #status]
//         str  w9, [x17, #slot]
//         movz w9, #UnreachableCode
//         str  w9, [x17, #fault]
//         b    abort
// A program with traps has the full entry frame (entry_frame_needs), so x24 is FrameInfo
// at every call depth and the abort path unwinds local calls.
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
    a_.ldr(kTableBase, a64::ptr(kFrameInfo, engine_abi::kInfoStatus));
    a_.str(kImm.w(), a64::ptr(kTableBase, engine_abi::kRunStatusSlotOffset));
    load_constant(kImm, static_cast<uint32_t>(engine_abi::Fault::UnreachableCode));
    a_.str(kImm.w(), a64::ptr(kTableBase, engine_abi::kRunStatusFaultOffset));
    branch(asmjit::arm::CondCode::kAL, abort_);
}

} // namespace ebpfjit::jit::arm64
