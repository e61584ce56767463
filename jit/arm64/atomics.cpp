// Atomic read-modify-write with the kernel's orderings (arch/arm64/net/bpf_jit_comp.c):
//   LSE (ARMv8.1):  non-fetching ops relaxed (stadd, stclr, stset, steor); fetching ops,
//                   xchg and cmpxchg fully ordered (ldaddal, ldclral, ldsetal, ldeoral,
//                   swpal, casal). AND is "clear the bits of ~src".
//   Exclusive:      non-fetching ops: ldxr/stxr loop. Fetching ops, xchg, cmpxchg:
//                   ldxr/stlxr loop then dmb ish.
// Both take the address in a register: kAtomicAddr = base + off.
#include "jit/arm64/emitter.hpp"

namespace ebpfjit::jit::arm64 {

using a64::Inst;
using isa::AtomicOp;

void Emitter::emit_atomic(const isa::Atomic& insn) {
    const a64::GpX base = gpx(insn.base.n);
    if (slot_->checked_access) emit_access_check(base, insn.off, insn.is64 ? 8 : 4, engine_abi::AccessKind::Atomic);
    if (!try_add_sub_imm(false, kAtomicAddr, base, insn.off)) {
        load_constant(kOffset, static_cast<uint64_t>(int64_t{insn.off}));
        a_.add(kAtomicAddr, base, kOffset);
    }
    if (options_.lse) emit_atomic_lse(insn);
    else emit_atomic_exclusive(insn);
}

void Emitter::emit_atomic_lse(const isa::Atomic& insn) {
    const bool w = insn.is64;
    const a64::Gp src = gp(insn.src.n, w);
    const a64::Mem mem = a64::ptr(kAtomicAddr);
    // AND has no LSE instruction: clear the bits that are clear in src.
    a64::Gp operand = src;
    if (insn.op == AtomicOp::And) {
        operand = sized(kAtomicOperand, w);
        a_.mvn(operand, src);
    }
    if (!insn.fetch) {
        switch (insn.op) {
        case AtomicOp::Add: a_.stadd(operand, mem); return;
        case AtomicOp::And: a_.stclr(operand, mem); return;
        case AtomicOp::Or: a_.stset(operand, mem); return;
        case AtomicOp::Xor: a_.steor(operand, mem); return;
        default: break; // xchg and cmpxchg always fetch
        }
    }
    switch (insn.op) {
    case AtomicOp::Add: a_.ldaddal(operand, src, mem); return;    // src = old
    case AtomicOp::And: a_.ldclral(operand, src, mem); return;
    case AtomicOp::Or: a_.ldsetal(operand, src, mem); return;
    case AtomicOp::Xor: a_.ldeoral(operand, src, mem); return;
    case AtomicOp::Xchg: a_.swpal(src, src, mem); return;
    case AtomicOp::CmpXchg: a_.casal(gp(0, w), src, mem); return; // r0 = old, compared with r0
    }
}

// kAtomicOperand = src's value (or the expected r0), kAtomicNew = the value stored,
// kAtomicStatus = the store-exclusive status.
void Emitter::emit_atomic_exclusive(const isa::Atomic& insn) {
    const bool w = insn.is64;
    const a64::Gp src = gp(insn.src.n, w);
    const a64::Gp operand = sized(kAtomicOperand, w);
    const a64::Gp next = sized(kAtomicNew, w);
    // The status is a W register, but this asmjit snapshot accepts 64-bit stlxr only
    // with an X status operand (it encodes the same register number either way).
    const a64::GpW status = kAtomicStatus.w();
    const a64::Gp stlxr_status = sized(kAtomicStatus, w);
    const a64::Mem mem = a64::ptr(kAtomicAddr);
    asmjit::Label retry = a_.newLabel();
    auto combine = [&](const a64::Gp& old, const a64::Gp& value) {
        switch (insn.op) {
        case AtomicOp::Add: a_.add(next, old, value); break;
        case AtomicOp::And: a_.and_(next, old, value); break;
        case AtomicOp::Or: a_.orr(next, old, value); break;
        case AtomicOp::Xor: a_.eor(next, old, value); break;
        default: break;
        }
    };

    if (!insn.fetch && insn.op != AtomicOp::Xchg && insn.op != AtomicOp::CmpXchg) {
        bind(retry);
        a_.ldxr(next, mem);
        combine(next, src);
        a_.stxr(status, next, mem);
        cbz(true, status, retry);
        return;
    }
    if (insn.op == AtomicOp::CmpXchg) {
        // r0 = old; the store happens only when old == the expected r0. With src = r0
        // the new value is r0 as it was before the load, kept in kAtomicOperand.
        const a64::Gp r0 = gp(0, w);
        const a64::Gp value = insn.src.n == 0 ? operand : src;
        asmjit::Label done = a_.newLabel();
        a_.mov(operand, r0);
        bind(retry);
        a_.ldxr(r0, mem);
        a_.cmp(r0, operand);
        branch(asmjit::arm::CondCode::kNE, done);
        a_.stlxr(stlxr_status, value, mem);
        cbz(true, status, retry);
        bind(done);
        a_.dmb(a64::Predicate::DB::kISH);
        return;
    }
    // Fetching forms and xchg: src = old.
    a_.mov(operand, src);
    bind(retry);
    a_.ldxr(src, mem);
    if (insn.op == AtomicOp::Xchg) {
        a_.stlxr(stlxr_status, operand, mem);
    } else {
        combine(src, operand);
        a_.stlxr(stlxr_status, next, mem);
    }
    cbz(true, status, retry);
    a_.dmb(a64::Predicate::DB::kISH);
}

} // namespace ebpfjit::jit::arm64
