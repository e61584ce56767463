// Atomic read-modify-write: `lock`-prefixed x86 instructions (xchg locks implicitly).
#include "jit/x86_64/emitter.hpp"

namespace ebpfjit::jit::x86_64 {

using isa::AtomicOp;

void Emitter::emit_atomic(const isa::Atomic& insn) {
    const bool w = insn.is64;
    const uint32_t size = w ? 8 : 4;
    if (slot_->checked_access) emit_access_check(insn.base.n, insn.off, size, engine_abi::AccessKind::Atomic);
    const x86::Mem mem = slot_mem(insn.base.n, insn.off, size);
    const x86::Gp src = gp(insn.src.n, w);
    switch (insn.op) {
    case AtomicOp::Add:
        if (insn.fetch) {
            a_.lock().xadd(mem, src); // src = old, zero-extended when 32-bit
        } else {
            a_.lock().add(mem, src);
        }
        return;
    case AtomicOp::Or:
    case AtomicOp::And:
    case AtomicOp::Xor:
        if (insn.fetch) return emit_atomic_fetch_loop(insn);
        if (insn.op == AtomicOp::Or) a_.lock().or_(mem, src);
        else if (insn.op == AtomicOp::And) a_.lock().and_(mem, src);
        else a_.lock().xor_(mem, src);
        return;
    case AtomicOp::Xchg: a_.xchg(mem, src); return;
    case AtomicOp::CmpXchg:
        a_.lock().cmpxchg(mem, src, w ? x86::Gp(x86::rax) : x86::Gp(x86::eax));
        if (!w) a_.mov(x86::eax, x86::eax); // r0 = old value, zero-extended either way
        return;
    }
}

// fetch_or / fetch_and / fetch_xor have no x86 instruction: a cmpxchg loop.
//   scratch B = the address (base may be r0 = rax, which cmpxchg needs)
//   [rsp]     = eBPF r0, pushed (and the operand when src is r0)
//   scratch A = the new value being tried
//   rax       = the old value cmpxchg compares with
void Emitter::emit_atomic_fetch_loop(const isa::Atomic& insn) {
    const bool w = insn.is64;
    const uint32_t size = w ? 8 : 4;
    auto sized = [&](const x86::Gpq& r) { return w ? x86::Gp(r) : x86::Gp(r.r32()); };
    a_.lea(kScratchB, x86::ptr(gpq(insn.base.n), insn.off));
    a_.push(x86::rax);
    const x86::Mem mem = x86::ptr(kScratchB, 0, size);
    const x86::Gp old = sized(x86::rax);
    const x86::Gp next = sized(kScratchA);

    a_.mov(old, mem);
    asmjit::Label retry = a_.newLabel();
    a_.bind(retry);
    a_.mov(next, old);
    auto combine = [&](const auto& operand) {
        if (insn.op == AtomicOp::Or) a_.or_(next, operand);
        else if (insn.op == AtomicOp::And) a_.and_(next, operand);
        else a_.xor_(next, operand);
    };
    if (insn.src.n == 0) combine(x86::ptr(x86::rsp, 0, size)); // the pushed r0 (low half: LE)
    else combine(gp(insn.src.n, w));
    a_.lock().cmpxchg(mem, next, old);
    jump(x86::Inst::kIdJnz, retry);
    if (insn.src.n == 0) { // r0 = old: already in rax (zero-extended if 32-bit)
        a_.lea(x86::rsp, x86::ptr(x86::rsp, 8));
        return;
    }
    a_.mov(gp(insn.src.n, w), old);
    a_.pop(x86::rax);
}

} // namespace ebpfjit::jit::x86_64
