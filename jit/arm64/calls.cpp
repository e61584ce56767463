// Helper calls, local calls, callx, tail calls and exit.
#include "jit/arm64/emitter.hpp"
#include "jit/arm64/frame_layout.hpp"
#include "runtime/maps/prog_array.hpp"

namespace ebpfjit::jit::arm64 {

void Emitter::emit_call(const isa::Call& insn) {
    switch (slot_->call) {
    case CallRole::Helper:
        if (slot_->array_lookup >= 0) return emit_inline_array_lookup();
        if (slot_->checked_call) {
            load_constant(kCheckAddr, static_cast<uint32_t>(insn.imm));
            emit_helper_check(kCheckAddr);
        }
        emit_helper_call(slot_->helper);
        if (slot_->checked_call) emit_helper_result();
        return;
    case CallRole::Local: {
        // r0 comes back in x7 from the callee's body: no move.
        const asmjit::Label& target = labels_[static_cast<size_t>(insn.target)];
        record(target, Reach::Imm26, "bl");
        a_.bl(target);
        return;
    }
    case CallRole::TailCall: emit_tail_call(); return;
    case CallRole::None: return;
    }
}

// r1-r5 already sit in x0-x4. A helper lies anywhere in the address space (beyond bl's
// ±128 MiB), so its address goes to kCallTarget and blr; its result moves to r0.
void Emitter::emit_helper_call(helpers::HelperFn fn) {
    load_constant(kCallTarget, reinterpret_cast<uint64_t>(fn));
    a_.blr(kCallTarget);
    a_.mov(gpx(0), a64::x0);
}

// callx: the register holds a helper id. Ids outside the lowering's callx table, or with
// no helper, end the run: RunStatus records the fault (id, slot) and r0 = 0.
//   kTableBase = the callx table, kCallTarget = the function; the id stays in its
//   eBPF register for the fault stub.
void Emitter::emit_callx(const isa::CallX& insn) {
    asmjit::Label fault = a_.newLabel();
    callx_faults_.emplace_back(fault, pc_);
    const a64::GpX id = gpx(insn.reg.n);
    const auto count = static_cast<int64_t>(lowered_.callx_table.size());
    if (!try_cmp_imm(id, count)) {
        load_constant(kImm, static_cast<uint64_t>(count));
        a_.cmp(id, kImm);
    }
    branch(asmjit::arm::CondCode::kHS, fault);
    record(callx_table_, Reach::Imm19, "adr");
    a_.adr(kTableBase, callx_table_);
    a_.ldr(kCallTarget, a64::ptr(kTableBase, id, a64::lsl(3)));
    cbz(false, kCallTarget, fault);
    if (slot_->checked_call) emit_helper_check(id); // the stub keeps kCallTarget
    a_.blr(kCallTarget);
    a_.mov(gpx(0), a64::x0);
    if (slot_->checked_call) emit_helper_result();
}

// bpf_tail_call(ctx = r1, prog_array = r2, index = r3), the kernel's order of checks:
//   index >= count -> fall through; count of tail calls taken >= 33 -> fall through;
//   count++; empty slot (or a program with no native code) -> fall through;
//   else branch to the target's body entry with this frame and r1 as they are
//   (and x4 = the RunStatus*, as the C entry takes it).
//   kIndex = index (32 bits, zero-extended), kLimit = slot count, kTailCount = the
//   counter, kTableBase = the slot array, kCallTarget = ProgramEntry*, then its code.
void Emitter::emit_tail_call() {
    const int32_t slots = maps::ProgArray::slots_offset_from_map();
    asmjit::Label out = a_.newLabel();
    const a64::GpX map = gpx(2);
    a_.mov(kIndex.w(), gpw(3));
    access(false, isa::Size::W, false, kLimit, map, slots + engine_abi::kTailCallSlotsCountOffset);
    a_.cmp(kIndex.w(), kLimit.w());
    branch(asmjit::arm::CondCode::kHS, out);
    a_.ldr(kTailCount, a64::ptr(kFrameInfo, engine_abi::kInfoTailCallCount));
    a_.cmp(kTailCount, engine_abi::kMaxTailCalls);
    branch(asmjit::arm::CondCode::kHS, out);
    a_.add(kTailCount, kTailCount, 1);
    a_.str(kTailCount, a64::ptr(kFrameInfo, engine_abi::kInfoTailCallCount));
    access(false, isa::Size::DW, false, kTableBase, map, slots + engine_abi::kTailCallSlotsEntriesOffset);
    a_.ldr(kCallTarget, a64::ptr(kTableBase, kIndex, a64::lsl(3)));
    cbz(false, kCallTarget, out);
    a_.ldr(kCallTarget, a64::ptr(kCallTarget, engine_abi::kProgramEntryNativeOffset));
    cbz(false, kCallTarget, out);
    // r5 is undefined in the target: x4 = the status, as the C entry gets it (a lean
    // target's landing calls that entry, whose r10 comes from RunStatus::stack_top).
    a_.ldr(a64::x4, a64::ptr(kFrameInfo, engine_abi::kInfoStatus));
    a_.br(kCallTarget);
    bind(out);
}

// exit: to this subprogram's epilogue (emitted right after its last slot).
void Emitter::emit_exit() {
    const uint32_t sub = slot_->subprogram;
    if (static_cast<int32_t>(pc_) != last_emitted_[sub]) branch(asmjit::arm::CondCode::kAL, epilogues_[sub]);
}

} // namespace ebpfjit::jit::arm64
