// Native entry thunks for callback subprograms (bpf_loop, bpf_for_each_map_elem).
//
// A helper is C++ code: it calls a callback as a SysV function
//     uint64_t thunk(r1, r2, r3, r4, r5, RunStatus* status)   (runtime/run/jit_callbacks.hpp)
// and LDDW src 4 loads the thunk's address, not the subprogram's. The thunk builds the
// same frame as the program entry, so that the abort path (which finds the entry frame
// through r12) returns from the thunk with r0 = 0 instead of unwinding through the helper:
//
//   │ return address (into the helper) │
//   │ rbp rbx r12 r13 r14 r15          │  the C caller's callee-saved registers
//   │ FrameInfo (168 bytes)            │ ◄── r12, rsp: tail calls 0 | packet 0 | len 0 |
//   ├──────────────────────────────────┤      status | stack_top (the callback's chain) | caches
//   │ return address (into the thunk)  │
//   │ the callee's local-call pushes   │  the subprogram's own prologue (frame_layout.hpp)
//
// The invoker has set RunStatus::stack_top kChainBytes below the calling chain's
// (engine_abi/ebpf_stack_layout.hpp); the thunk sets rbp kFrameStride above it, so the callee's
// prologue (r10 -= kFrameStride) puts the callback's first frame at exactly stack_top.
//
// The subprogram is entered exactly as by a local call: r1-r5 already sit in rdi, rsi,
// rdx, rcx, r8 (the SysV argument registers, register_map.hpp), r12 points at a
// FrameInfo, rsp is 16-byte aligned before `call`, and its r0 comes back in rax.
// There is no packet (LD_ABS/LD_IND never mix with callbacks: the lowering rejects it)
// and no tail call (only the entry subprogram may tail-call).
#include "engine_abi/ebpf_stack_layout.hpp"
#include "jit/x86_64/emitter.hpp"
#include "jit/x86_64/frame_layout.hpp"

namespace ebpfjit::jit::x86_64 {

void Emitter::emit_callback_thunks() {
    static const x86::Gpq kSaved[kEntryPushes] = {x86::rbp, x86::rbx, x86::r12,
                                                  x86::r13, x86::r14, x86::r15};
    for (size_t slot = 0; slot < thunks_.size(); ++slot) {
        if (!thunks_[slot].isValid()) continue;
        a_.align(asmjit::AlignMode::kCode, 16);
        a_.bind(thunks_[slot]);
        for (const auto& r : kSaved) a_.push(r);
        emit_frame_info(asmjit::imm(0), asmjit::imm(0), x86::r9); // r9: the 6th SysV argument
        if (lowered_.needs_guest_memory) emit_empty_access_cache(); // a FrameInfo of its own
        a_.mov(x86::rbp, x86::qword_ptr(kFrameInfo, engine_abi::kInfoStackTop));
        a_.add(x86::rbp, static_cast<int32_t>(engine_abi::kFrameStride));
        a_.call(labels_[slot]);
        a_.add(x86::rsp, kEntryFrameSize);
        for (int i = kEntryPushes - 1; i >= 0; --i) a_.pop(kSaved[i]);
        a_.ret();
    }
}

} // namespace ebpfjit::jit::x86_64
