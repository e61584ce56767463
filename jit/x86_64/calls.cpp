// Helper calls, local calls, callx, tail calls and exit.
#include "jit/x86_64/emitter.hpp"
#include "jit/x86_64/frame_layout.hpp"
#include "runtime/maps/prog_array.hpp"

namespace ebpfjit::jit::x86_64 {

void Emitter::emit_call(const isa::Call& insn) {
    switch (slot_->call) {
    case CallRole::Helper:
        if (slot_->array_lookup >= 0) return emit_inline_array_lookup();
        // r1-r5 already sit in the SysV argument registers and r0 is rax: a bare call.
        // rsp is 16-byte aligned in every frame (frame_layout.hpp).
        if (slot_->checked_call) emit_helper_check(x86::rax, insn.imm);
        call_helper(slot_->helper);
        if (slot_->checked_call) emit_helper_result();
        return;
    case CallRole::Local: a_.call(labels_[static_cast<size_t>(insn.target)]); return;
    case CallRole::TailCall: emit_tail_call(); return;
    case CallRole::None: return;
    }
}

// callx: the register holds a helper id. Ids outside the lowering's callx table, or with
// no helper, end the run: RunStatus records the fault (id, slot) and r0 = 0.
//   scratch A = the id (kept for the fault stub), scratch B = the function
void Emitter::emit_callx(const isa::CallX& insn) {
    asmjit::Label fault = a_.newLabel();
    callx_faults_.emplace_back(fault, pc_);
    a_.mov(kScratchA, gpq(insn.reg.n));
    a_.cmp(kScratchA, static_cast<int32_t>(lowered_.callx_table.size()));
    jump(x86::Inst::kIdJae, fault);
    a_.lea(kScratchB, x86::ptr(callx_table_));
    a_.mov(kScratchB, x86::ptr(kScratchB, kScratchA, 3));
    a_.test(kScratchB, kScratchB);
    jump(x86::Inst::kIdJz, fault);
    if (slot_->checked_call) emit_helper_check(kScratchA, 0); // the stub keeps scratch B
    call_indirect(kScratchB);
    if (slot_->checked_call) emit_helper_result();
}

// bpf_tail_call(ctx = r1, prog_array = r2, index = r3), the kernel's order of checks:
//   index >= count -> fall through; count of tail calls taken >= 33 -> fall through;
//   count++; empty slot (or a program with no native code) -> fall through;
//   else jump to the target's body entry with this frame and r1 as they are
//   (and r8 = the RunStatus*, as the C entry takes it).
//   scratch A = index, scratch B = slots array / entry / target address
void Emitter::emit_tail_call() {
    const int32_t slots = maps::ProgArray::slots_offset_from_map();
    asmjit::Label out = a_.newLabel();
    const x86::Gpq map = gpq(2);
    a_.mov(kScratchA.r32(), gpd(3));
    a_.cmp(kScratchA.r32(), x86::dword_ptr(map, slots + engine_abi::kTailCallSlotsCountOffset));
    jump(x86::Inst::kIdJae, out);
    a_.cmp(x86::qword_ptr(kFrameInfo, engine_abi::kInfoTailCallCount), static_cast<int32_t>(engine_abi::kMaxTailCalls));
    jump(x86::Inst::kIdJae, out);
    a_.inc(x86::qword_ptr(kFrameInfo, engine_abi::kInfoTailCallCount));
    a_.mov(kScratchB, x86::qword_ptr(map, slots + engine_abi::kTailCallSlotsEntriesOffset));
    a_.mov(kScratchB, x86::ptr(kScratchB, kScratchA, 3));
    a_.test(kScratchB, kScratchB);
    jump(x86::Inst::kIdJz, out);
    a_.mov(kScratchB, x86::qword_ptr(kScratchB, engine_abi::kProgramEntryNativeOffset));
    a_.test(kScratchB, kScratchB);
    jump(x86::Inst::kIdJz, out);
    // r5 is undefined in the target: r8 = the status, as the C entry gets it (a lean
    // target's landing calls that entry, whose r10 comes from RunStatus::stack_top).
    a_.mov(x86::r8, x86::qword_ptr(kFrameInfo, engine_abi::kInfoStatus));
    jump_indirect(kScratchB);
    a_.bind(out);
}

// exit: to this subprogram's epilogue (emitted right after its last slot).
void Emitter::emit_exit() {
    const uint32_t sub = slot_->subprogram;
    if (static_cast<int32_t>(pc_) != last_emitted_[sub]) jump(x86::Inst::kIdJmp, epilogues_[sub]);
}

} // namespace ebpfjit::jit::x86_64
