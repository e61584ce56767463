// Prologues, epilogues and the abort path (frame_layout.hpp draws the frames).
#include <algorithm>

#include "engine_abi/ebpf_stack_layout.hpp"

#include "jit/arm64/emitter.hpp"
#include "jit/arm64/frame_layout.hpp"
#include "engine_abi/run_status.hpp"

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

void pop_pair(a64::Assembler& a, const a64::GpX& first, const a64::GpX& second) {
    if (second == a64::xzr) a.ldr(first, a64::ptr_post(a64::sp, 16));
    else a.ldp(first, second, a64::ptr_post(a64::sp, 16));
}

template <size_t N>
void pop_frame(a64::Assembler& a, const a64::GpX (&pairs)[N][2]) {
    for (int i = static_cast<int>(N) - 1; i >= 0; --i) pop_pair(a, pairs[i][0], pairs[i][1]);
    a.ldp(a64::x29, a64::x30, a64::ptr_post(a64::sp, 16));
    a.ret(a64::x30);
}
} // namespace

// The entry frame and its FrameInfo (x24). Shared with the callback thunks
// (callbacks.cpp), whose frame must be the entry's: the abort path and epilogue 0 unwind it.
void Emitter::emit_entry_frame(const a64::GpX& packet, const a64::GpX& packet_len, const a64::GpX& status) {
    push_frame(a_, kEntrySaved);
    a_.sub(a64::sp, a64::sp, kEntryFrameSize);
    a_.mov(kFrameInfo, a64::sp);
    a_.str(a64::xzr, a64::ptr(kFrameInfo, engine_abi::kInfoTailCallCount));
    a_.str(packet, a64::ptr(kFrameInfo, engine_abi::kInfoPacket));
    a_.str(packet_len, a64::ptr(kFrameInfo, engine_abi::kInfoPacketLen));
    a_.str(status, a64::ptr(kFrameInfo, engine_abi::kInfoStatus));
    a_.ldr(kTableBase, a64::ptr(status, engine_abi::kRunStatusStackTopOffset));
    a_.str(kTableBase, a64::ptr(kFrameInfo, engine_abi::kInfoStackTop));
}

// The full frame (kEntrySaved and FrameInfo) or the lean one (frame_layout.hpp): the frame
// record only when the program calls out (bl/blr overwrite x30), only the callee-saved
// registers it writes, x23 only when it uses r10 (entry_frame_needs).
Emitter::EntryFrame Emitter::plan_entry_frame(const Lowered& lowered) {
    EntryFrame f;
    const EntryFrameNeeds needs = entry_frame_needs(lowered);
    if (needs.full) {
        for (const auto& pair : kEntrySaved) f.saved.push_back({pair[0], pair[1]});
        f.stack = true;
        return f;
    }
    f.full = false;
    const uint16_t written = needs.regs_written;
    const bool local_calls = needs.local_calls;
    f.record = needs.calls || local_calls;
    f.stack = needs.stack;
    std::vector<a64::GpX> regs;
    for (uint8_t r = 6; r <= 9; ++r)
        if ((written >> r) & 1) regs.push_back(gpx(r));
    // A local callee's prologue moves x23 (it saves the caller's copy, not the C caller's).
    if (f.stack || local_calls) regs.push_back(gpx(10));
    if ((written >> isa::kAuxRegister) & 1) regs.push_back(gpx(isa::kAuxRegister));
    for (size_t i = 0; i < regs.size(); i += 2)
        f.saved.push_back({regs[i], i + 1 < regs.size() ? regs[i + 1] : a64::xzr});
    // A trap's stub needs the RunStatus* (x4 at entry, eBPF r5 after it) and, under local
    // calls, the frame's bottom (x24, callee-saved for the C caller): one pair, pushed
    // last, so that the pointer sits at the bottom. Popping it at exit clobbers only x4.
    f.trap_status = needs.trap_status;
    f.anchor = needs.trap_status && local_calls;
    if (f.trap_status) f.saved.push_back({a64::x4, f.anchor ? kFrameInfo : a64::xzr});
    return f;
}

// In: x0 = r1, x1 = r2, x2 = packet, x3 = packet_len, x4 = RunStatus*.
void Emitter::emit_entry_prologue() {
    if (frame_.full) {
        emit_entry_frame(a64::x2, a64::x3, a64::x4);
        emit_zero_at_entry(); // after the frame took x2-x4 (r3-r5 may be among them)
        bind(body_entry_);
        a_.ldr(gpx(10), a64::ptr(kFrameInfo, engine_abi::kInfoStackTop)); // r10: the chain's first
        // A tail caller's cache may predate helper calls no stub saw (access_cache.hpp).
        if (lowered_.needs_guest_memory) emit_empty_access_cache();
        emit_budget_load(); // a tail caller stored its counter (jit/budget.cpp)
        return;
    }
    if (frame_.record) {
        a_.stp(a64::x29, a64::x30, a64::ptr_pre(a64::sp, -16));
        a_.mov(a64::x29, a64::sp);
    }
    for (const auto& pair : frame_.saved) a_.stp(pair[0], pair[1], a64::ptr_pre(a64::sp, -16));
    if (frame_.anchor) a_.mov(kFrameInfo, a64::sp); // for the traps (emit_unreachable_stub)
    if (frame_.stack) a_.ldr(gpx(10), a64::ptr(a64::x4, engine_abi::kRunStatusStackTopOffset)); // r10
    emit_zero_at_entry(); // after x4 (r5) was read
}

// The C entry (CEntryFn; drive.hpp's emit_c_entry, only for lean stackless code).
// In: x0 = r1, x1 = r2, x2 = uint64_t* r0. Then the lean frame, as the entry's.
// The pointer must survive the body, which may write x2 (r3): in code that calls nothing
// it moves to x8, whose only role is the tail-call counter (register_map.hpp), which lean
// code never has; it is caller-saved, so only a call could clobber it. Otherwise it is
// pushed first, in a 16-byte slot of its own (sp stays aligned).
void Emitter::emit_c_entry_prologue() {
    c_r0_in_x8_ = !lowered_.subprograms[0].calls;
    if (c_r0_in_x8_) a_.mov(kTailCount, a64::x2);
    else a_.str(a64::x2, a64::ptr_pre(a64::sp, -16));
    if (frame_.record) {
        a_.stp(a64::x29, a64::x30, a64::ptr_pre(a64::sp, -16));
        a_.mov(a64::x29, a64::sp);
    }
    for (const auto& pair : frame_.saved) a_.stp(pair[0], pair[1], a64::ptr_pre(a64::sp, -16));
    emit_zero_at_entry(); // after x2 (r3) was kept
}

// r0 (x7) through the pointer, 0 in w0 (ebpfjit_program_run_mem's "ran").
void Emitter::emit_c_entry_epilogue() {
    for (size_t i = frame_.saved.size(); i-- > 0;) pop_pair(a_, frame_.saved[i][0], frame_.saved[i][1]);
    if (frame_.record) a_.ldp(a64::x29, a64::x30, a64::ptr_post(a64::sp, 16));
    if (!c_r0_in_x8_) a_.ldr(kTailCount, a64::ptr_post(a64::sp, 16));
    a_.str(gpx(0), a64::ptr(kTailCount));
    a_.mov(a64::w0, a64::wzr);
    a_.ret(a64::x30);
}

// A lean-frame program tail-called into: the caller's full frame is live on the stack and
// this program needs none of it (no FrameInfo, no tail calls of its own), so it runs as a
// nested C call of its own entry (x0 = r1 as the caller left it, x4 = the status: the tail
// call set it), and its r0 leaves through the caller's full epilogue.
void Emitter::emit_tail_call_landing() {
    bind(body_entry_);
    record(code_start_, Reach::Imm26, "bl");
    a_.bl(code_start_);
    a_.add(a64::sp, a64::sp, kEntryFrameSize);
    pop_frame(a_, kEntrySaved);
}

void Emitter::emit_local_prologue() {
    push_frame(a_, kLocalSaved);
    a_.sub(gpx(10), gpx(10), engine_abi::kFrameStride); // the callee's frame: below the caller's
}

// r0 lives in x7; the entry returns it in x0. A local call's result stays in x7.
void Emitter::emit_epilogue(bool entry) {
    if (entry && frame_.full) {
        emit_budget_flush(); // every exit and fault of the run leaves here (jit/budget.cpp)
        a_.mov(a64::x0, gpx(0));
        a_.add(a64::sp, a64::sp, kEntryFrameSize);
        pop_frame(a_, kEntrySaved);
    } else if (entry) {
        a_.mov(a64::x0, gpx(0));
        for (size_t i = frame_.saved.size(); i-- > 0;) pop_pair(a_, frame_.saved[i][0], frame_.saved[i][1]);
        if (frame_.record) a_.ldp(a64::x29, a64::x30, a64::ptr_post(a64::sp, 16));
        a_.ret(a64::x30);
    } else {
        pop_frame(a_, kLocalSaved);
    }
}

// Ends the whole run with r0 = 0 from any call depth: sp goes back to the entry frame
// (x24: FrameInfo sits at its bottom), then the entry epilogue. Out-of-line fault stubs record the fault
// in RunStatus first (kTableBase = the RunStatus*, kImm = the field values). Only
// full-frame programs can abort (a branch to an unplaced abort_ is a reach error).
void Emitter::emit_abort_path() {
    if (!frame_.full) return;
    for (auto& [label, pc] : callx_faults_) {
        pc_ = pc;
        bind(label);
        const uint8_t id_reg = std::get<isa::CallX>(lowered_.slots[pc].insn).reg.n;
        a_.ldr(kTableBase, a64::ptr(kFrameInfo, engine_abi::kInfoStatus));
        load_constant(kImm, static_cast<uint32_t>(engine_abi::Fault::UnknownCallxTarget));
        a_.str(kImm.w(), a64::ptr(kTableBase, engine_abi::kRunStatusFaultOffset));
        load_constant(kImm, pc);
        a_.str(kImm.w(), a64::ptr(kTableBase, engine_abi::kRunStatusSlotOffset));
        a_.str(gpx(id_reg), a64::ptr(kTableBase, engine_abi::kRunStatusValueOffset)); // the id
        branch(asmjit::arm::CondCode::kAL, abort_);
    }
    bind(abort_);
    a_.mov(gpx(0), a64::xzr);
    a_.mov(a64::sp, kFrameInfo);
    branch(asmjit::arm::CondCode::kAL, epilogues_[0]);
}

} // namespace ebpfjit::jit::arm64
