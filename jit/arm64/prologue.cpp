// Prologues, epilogues and the abort path (frame_layout.hpp draws the frames).
#include "jit/arm64/emitter.hpp"
#include "jit/arm64/frame_layout.hpp"
#include "jit/run_status.hpp"

namespace ebpfjit::jit::arm64 {

namespace {
// Callee-saved pairs below the frame record, in push order. x25 is the blinding register
// (register_map.hpp): saved by every entry frame, so that a tail call between programs
// compiled with and without blinding finds the frame it expects.
const a64::GpX kEntrySaved[4][2] = {
    {a64::x19, a64::x20}, {a64::x21, a64::x22}, {a64::x23, a64::x24}, {a64::x25, a64::xzr}};
// A local call's callee saves the caller's r6-r9 and r10 (xzr pads the last pair); ax is
// never live across a call.
const a64::GpX kLocalSaved[3][2] = {{a64::x19, a64::x20}, {a64::x21, a64::x22}, {a64::x23, a64::xzr}};

template <size_t N>
void push_frame(a64::Assembler& a, const a64::GpX (&pairs)[N][2]) {
    a.stp(a64::x29, a64::x30, a64::ptr_pre(a64::sp, -16));
    a.mov(a64::x29, a64::sp);
    for (const auto& pair : pairs) a.stp(pair[0], pair[1], a64::ptr_pre(a64::sp, -16));
}

template <size_t N>
void pop_frame(a64::Assembler& a, const a64::GpX (&pairs)[N][2]) {
    for (int i = static_cast<int>(N) - 1; i >= 0; --i) {
        if (pairs[i][1] == a64::xzr) a.ldr(pairs[i][0], a64::ptr_post(a64::sp, 16));
        else a.ldp(pairs[i][0], pairs[i][1], a64::ptr_post(a64::sp, 16));
    }
    a.ldp(a64::x29, a64::x30, a64::ptr_post(a64::sp, 16));
    a.ret(a64::x30);
}
} // namespace

// The entry frame and its FrameInfo (x24). Shared with the callback thunks
// (callbacks.cpp), whose frame must be the entry's: the abort path and epilogue 0 unwind it.
void Emitter::emit_entry_frame(const a64::GpX& packet, const a64::GpX& packet_len, const a64::GpX& status) {
    push_frame(a_, kEntrySaved);
    a_.sub(a64::sp, a64::sp, kEntryFrameSize);
    a_.add(kFrameInfo, a64::sp, kStack);
    a_.str(a64::xzr, a64::ptr(kFrameInfo, kInfoTailCallCount));
    a_.str(packet, a64::ptr(kFrameInfo, kInfoPacket));
    a_.str(packet_len, a64::ptr(kFrameInfo, kInfoPacketLen));
    a_.str(status, a64::ptr(kFrameInfo, kInfoStatus));
}

// In: x0 = r1, x1 = r2, x2 = packet, x3 = packet_len, x4 = RunStatus*.
void Emitter::emit_entry_prologue() {
    emit_entry_frame(a64::x2, a64::x3, a64::x4);
    emit_zero_at_entry(); // after the frame took x2-x4 (r3-r5 may be among them)
    bind(body_entry_);
    a_.mov(gpx(10), kFrameInfo); // r10: top of the entry frame's stack
}

void Emitter::emit_local_prologue() {
    push_frame(a_, kLocalSaved);
    a_.sub(a64::sp, a64::sp, kLocalFrameSize);
    a_.add(gpx(10), a64::sp, kLocalFrameSize);
}

// r0 lives in x7; the entry returns it in x0. A local call's result stays in x7.
void Emitter::emit_epilogue(bool entry) {
    if (entry) {
        a_.mov(a64::x0, gpx(0));
        a_.add(a64::sp, a64::sp, kEntryFrameSize);
        pop_frame(a_, kEntrySaved);
    } else {
        a_.mov(a64::sp, gpx(10));
        pop_frame(a_, kLocalSaved);
    }
}

// Ends the whole run with r0 = 0 from any call depth: sp goes back to the entry frame
// (found through x24), then the entry epilogue. Out-of-line fault stubs record the fault
// in RunStatus first (kTableBase = the RunStatus*, kImm = the field values).
void Emitter::emit_abort_path() {
    for (auto& [label, pc] : callx_faults_) {
        pc_ = pc;
        bind(label);
        const uint8_t id_reg = std::get<isa::CallX>(lowered_.slots[pc].insn).reg.n;
        a_.ldr(kTableBase, a64::ptr(kFrameInfo, kInfoStatus));
        load_constant(kImm, static_cast<uint32_t>(Fault::UnknownCallxTarget));
        a_.str(kImm.w(), a64::ptr(kTableBase, kRunStatusFaultOffset));
        load_constant(kImm, pc);
        a_.str(kImm.w(), a64::ptr(kTableBase, kRunStatusSlotOffset));
        a_.str(gpx(id_reg), a64::ptr(kTableBase, kRunStatusValueOffset)); // the id
        branch(asmjit::arm::CondCode::kAL, abort_);
    }
    bind(abort_);
    a_.mov(gpx(0), a64::xzr);
    a_.sub(a64::sp, kFrameInfo, kStack);
    branch(asmjit::arm::CondCode::kAL, epilogues_[0]);
}

} // namespace ebpfjit::jit::arm64
