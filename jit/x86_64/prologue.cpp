// Prologues, epilogues and the abort path (frame_layout.hpp draws the frames).
#include <algorithm>

#include "engine_abi/run_status.hpp"
#include "engine_abi/ebpf_stack_layout.hpp"
#include "jit/x86_64/emitter.hpp"
#include "jit/x86_64/frame_layout.hpp"

namespace ebpfjit::jit::x86_64 {

// The full entry frame's callee-saved registers, in push order.
static const x86::Gpq kEntrySaved[kEntryPushes] = {x86::rbp, x86::rbx, x86::r12,
                                                   x86::r13, x86::r14, x86::r15};
// What a local call's callee saves: the caller's r6-r9 and r10.
static const x86::Gpq kLocalSaved[kLocalPushes] = {x86::rbx, x86::r13, x86::r14, x86::r15, x86::rbp};

// The full frame (kEntrySaved and FrameInfo) or the lean one (frame_layout.hpp): only the
// mapped callee-saved registers it writes, rbp only when it uses r10, padding only when
// it calls (rsp 16-byte aligned at every call) (entry_frame_needs).
Emitter::EntryFrame Emitter::plan_entry_frame(const Lowered& lowered) {
    EntryFrame f;
    const EntryFrameNeeds needs = entry_frame_needs(lowered);
    if (needs.full) {
        f.full = true;
        f.saved.assign(std::begin(kEntrySaved), std::end(kEntrySaved));
        f.size = kEntryFrameSize;
        f.stack = true;
        return f;
    }
    f.full = false;
    const uint16_t written = needs.regs_written;
    const bool calls = needs.calls;
    const bool local_calls = needs.local_calls;
    f.stack = needs.stack;
    // A local callee's prologue moves rbp (it saves the caller's copy, not the C caller's).
    if (f.stack || local_calls) f.saved.push_back(x86::rbp);
    for (uint8_t r = 6; r <= 9; ++r)
        if ((written >> r) & 1) f.saved.push_back(gpq(r));
    // A trap's stub needs the RunStatus* (r8 at entry, eBPF r5 after it: pushed) and, under
    // local calls, the frame's bottom (r12, callee-saved for the C caller: pushed too).
    f.anchor = needs.trap_status && local_calls;
    if (f.anchor) f.saved.push_back(kFrameInfo);
    const int32_t status_slot = needs.trap_status ? 8 : 0;
    const auto pushed = static_cast<int32_t>(8 + 8 * f.saved.size()) + status_slot;
    const int32_t padding = calls && pushed % 16 != 0 ? 8 : 0;
    f.size = padding + status_slot;
    if (needs.trap_status) f.status_at = padding;
    return f;
}

// In: rdi = r1, rsi = r2, rdx = packet, rcx = packet_len, r8 = RunStatus*.
void Emitter::emit_entry_prologue() {
    for (const auto& r : frame_.saved) a_.push(r);
    if (!frame_.full) {
        int32_t below = frame_.size;
        if (frame_.status_at >= 0) { // for the traps (emit_unreachable_stub)
            a_.push(x86::r8);
            below -= 8;
        }
        if (below != 0) a_.sub(x86::rsp, below);
        if (frame_.anchor) a_.mov(kFrameInfo, x86::rsp);
        if (frame_.stack) a_.mov(x86::rbp, x86::qword_ptr(x86::r8, engine_abi::kRunStatusStackTopOffset)); // r10
        emit_zero_at_entry(); // after r8 (r5) was read
        return;
    }
    emit_frame_info(x86::rdx, x86::rcx, x86::r8);
    emit_zero_at_entry();
    a_.bind(body_entry_);
    a_.mov(x86::rbp, x86::qword_ptr(kFrameInfo, engine_abi::kInfoStackTop)); // r10: the chain's first
    // A tail caller's cache may predate helper calls no stub saw (access_cache.hpp).
    if (lowered_.needs_guest_memory) emit_empty_access_cache();
    emit_budget_load(); // a tail caller stored its counter (jit/budget.cpp)
}

// FrameInfo below the entry pushes (the entry's and a callback thunk's: kEntryFrameSize),
// r12 = rsp at it.
// Operands may be immediates (a thunk has no packet). Clobbers scratch A.
void Emitter::emit_frame_info(const asmjit::Operand& packet, const asmjit::Operand& packet_len,
                              const x86::Gpq& status) {
    a_.sub(x86::rsp, kEntryFrameSize);
    a_.mov(kFrameInfo, x86::rsp);
    a_.mov(x86::qword_ptr(kFrameInfo, engine_abi::kInfoTailCallCount), 0);
    a_.emit(x86::Inst::kIdMov, x86::qword_ptr(kFrameInfo, engine_abi::kInfoPacket), packet);
    a_.emit(x86::Inst::kIdMov, x86::qword_ptr(kFrameInfo, engine_abi::kInfoPacketLen), packet_len);
    a_.mov(x86::qword_ptr(kFrameInfo, engine_abi::kInfoStatus), status);
    a_.mov(kScratchA, x86::qword_ptr(status, engine_abi::kRunStatusStackTopOffset));
    a_.mov(x86::qword_ptr(kFrameInfo, engine_abi::kInfoStackTop), kScratchA);
}

// The C entry (CEntryFn; drive.hpp's emit_c_entry, only for lean stackless code).
// In: rdi = r1, rsi = r2, rdx = uint64_t* r0. Then the lean frame, as the entry's.
// The pointer must survive the body, which may write rdx (r3): in code that calls nothing
// it moves to r9, which such code never touches (r9 is the blinding register and nothing
// else, register_map.hpp; it is caller-saved, so only a call could clobber it). Otherwise
// it is pushed first (and the padding that keeps rsp aligned at calls counts that push).
void Emitter::emit_c_entry_prologue() {
    c_r0_in_r9_ = !lowered_.subprograms[0].calls && ((lowered_.regs_used >> isa::kAuxRegister) & 1) == 0;
    if (c_r0_in_r9_) a_.mov(x86::r9, x86::rdx);
    else a_.push(x86::rdx);
    for (const auto& r : frame_.saved) a_.push(r);
    const auto pushed = static_cast<int32_t>(8 + 8 * (frame_.saved.size() + (c_r0_in_r9_ ? 0 : 1)));
    c_padding_ = lowered_.subprograms[0].calls && pushed % 16 != 0 ? 8 : 0;
    if (c_padding_ != 0) a_.sub(x86::rsp, c_padding_);
    emit_zero_at_entry(); // after rdx (r3) was kept
}

// r0 through the pointer, 0 in eax (ebpfjit_program_run_mem's "ran").
void Emitter::emit_c_entry_epilogue() {
    if (c_padding_ != 0) a_.add(x86::rsp, c_padding_);
    for (size_t i = frame_.saved.size(); i-- > 0;) a_.pop(frame_.saved[i]);
    x86::Gpq pointer = x86::r9;
    if (!c_r0_in_r9_) {
        pointer = x86::rcx; // caller-saved, and r4 is dead here
        a_.pop(pointer);
    }
    a_.mov(x86::qword_ptr(pointer), x86::rax);
    a_.xor_(x86::eax, x86::eax);
    a_.ret();
}

// A lean-frame program tail-called into: the caller's full frame is live on the stack and
// this program needs none of it (no FrameInfo, no tail calls of its own), so it runs as a
// nested C call of its own entry (r8 = the status: the tail call set it), and its r0
// leaves through the caller's full epilogue.
void Emitter::emit_tail_call_landing() {
    a_.bind(body_entry_);
    a_.call(code_start_);
    a_.add(x86::rsp, kEntryFrameSize);
    for (int i = kEntryPushes - 1; i >= 0; --i) a_.pop(kEntrySaved[i]);
    a_.ret();
}

void Emitter::emit_local_prologue() {
    for (const auto& r : kLocalSaved) a_.push(r);
    a_.sub(x86::rbp, static_cast<int32_t>(engine_abi::kFrameStride)); // the callee's frame: below the caller's
}

void Emitter::emit_epilogue(bool entry) {
    if (entry) {
        emit_budget_flush(); // every exit and fault of the run leaves here (jit/budget.cpp)
        if (frame_.size != 0) a_.add(x86::rsp, frame_.size);
        for (size_t i = frame_.saved.size(); i-- > 0;) a_.pop(frame_.saved[i]);
    } else {
        for (int i = kLocalPushes - 1; i >= 0; --i) a_.pop(kLocalSaved[i]);
    }
    a_.ret();
}

// Ends the whole run with r0 = 0 from any call depth: rsp goes back to the entry frame
// (r12: FrameInfo sits at its bottom), then the entry epilogue. Out-of-line fault stubs record the fault
// in RunStatus first. Only full-frame programs can abort.
void Emitter::emit_abort_path() {
    if (!frame_.full) return;
    for (auto& [label, pc] : callx_faults_) {
        a_.bind(label);
        a_.mov(kScratchB, x86::qword_ptr(kFrameInfo, engine_abi::kInfoStatus));
        a_.mov(x86::dword_ptr(kScratchB, engine_abi::kRunStatusFaultOffset),
               static_cast<uint32_t>(engine_abi::Fault::UnknownCallxTarget));
        a_.mov(x86::dword_ptr(kScratchB, engine_abi::kRunStatusSlotOffset), pc);
        a_.mov(x86::qword_ptr(kScratchB, engine_abi::kRunStatusValueOffset), kScratchA); // the id
        jump(x86::Inst::kIdJmp, abort_);
    }
    a_.bind(abort_);
    a_.xor_(x86::eax, x86::eax);
    a_.mov(x86::rsp, kFrameInfo);
    jump(x86::Inst::kIdJmp, epilogues_[0]);
}

} // namespace ebpfjit::jit::x86_64
