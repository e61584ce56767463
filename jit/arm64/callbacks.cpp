// Native entry thunks for callback subprograms (bpf_loop, bpf_for_each_map_elem).
//
// A helper is C++ code: it calls a callback as an AAPCS64 function
//     uint64_t thunk(r1, r2, r3, r4, r5, RunStatus* status)   (runtime/run/jit_callbacks.hpp)
// and LDDW src 4 loads the thunk's address, not the subprogram's. The thunk builds the
// entry's frame (emit_entry_frame, frame_layout.hpp), so the abort path, which unwinds
// to the frame x24 points at and leaves through epilogue 0, returns from the thunk with
// r0 = 0 instead of unwinding through the helper:
//
//   │ x29 x30 (lr: into the helper)  │
//   │ x19 x20 │ x21 x22 │ x23 x24    │  the C caller's callee-saved registers
//   │ FrameInfo (168 + 8 bytes)       │ ◄── x24, sp: tail calls 0 | packet 0 | len 0 |
//   ├────────────────────────────────┤     status (x5) | stack_top (the callback's chain) | caches
//   │ the callee's local-call frame  │  the subprogram's own prologue, entered by `bl`
//
// The invoker has set RunStatus::stack_top kChainBytes below the calling chain's
// (engine_abi/ebpf_stack_layout.hpp); the thunk sets x23 kFrameStride above it, so the callee's
// prologue (r10 -= kFrameStride) puts the callback's first frame at exactly stack_top.
//
// The subprogram is entered exactly as by a local call: r1-r5 already sit in x0-x4
// (register_map.hpp), x24 points at a FrameInfo, sp is 16-byte aligned. Its r0 comes
// back in x7, and epilogue 0 (the entry's) moves it to x0 and restores the caller's
// registers. There is no packet (LD_ABS/LD_IND never mix with callbacks: the lowering
// rejects it) and no tail call (only the entry subprogram may tail-call).
#include "jit/arm64/emitter.hpp"
#include "engine_abi/ebpf_stack_layout.hpp"
#include "jit/arm64/frame_layout.hpp"

namespace ebpfjit::jit::arm64 {

void Emitter::emit_callback_thunks() {
    for (size_t slot = 0; slot < thunks_.size(); ++slot) {
        if (!thunks_[slot].isValid()) continue;
        pc_ = static_cast<uint32_t>(slot); // reach errors name the callback
        bind(thunks_[slot]);
        emit_entry_frame(a64::xzr, a64::xzr, a64::x5); // x5: the 6th AAPCS64 argument
        if (lowered_.needs_guest_memory) emit_empty_access_cache(); // a FrameInfo of its own
        a_.ldr(gpx(10), a64::ptr(kFrameInfo, engine_abi::kInfoStackTop));
        a_.add(gpx(10), gpx(10), engine_abi::kFrameStride);
        record(labels_[slot], Reach::Imm26, "bl");
        a_.bl(labels_[slot]);
        branch(asmjit::arm::CondCode::kAL, epilogues_[0]);
    }
}

} // namespace ebpfjit::jit::arm64
