// ALU, ALU32, shifts, division and byte swaps.
#include "jit/x86_64/emitter.hpp"

namespace ebpfjit::jit::x86_64 {

using isa::AluOp;

void Emitter::emit_alu(const isa::Alu& insn) {
    switch (insn.op) {
    case AluOp::Lsh:
    case AluOp::Rsh:
    case AluOp::Arsh: return emit_shift(insn);
    case AluOp::Div:
    case AluOp::Mod:
    case AluOp::SDiv:
    case AluOp::SMod: return emit_division(insn);
    case AluOp::Neg: a_.neg(gp(insn.dst.n, insn.is64)); return;
    default: break;
    }
    if (slot_->add_fused) return emit_mov_add(insn);
    if (const auto* r = std::get_if<isa::Reg>(&insn.src)) emit_alu_reg(insn, r->n);
    else emit_alu_imm(insn);
}

// `mov64 d, s` + `add64 d, x` (lowering.hpp, add_fused): one lea. lea's disp32 is
// sign-extended, exactly like the add's imm.
void Emitter::emit_mov_add(const isa::Alu& mov) {
    const uint8_t s = std::get<isa::Reg>(mov.src).n;
    const LoweredSlot& next = lowered_.slots[pc_ + 1];
    const auto& add = std::get<isa::Alu>(next.insn);
    if (const auto* r = std::get_if<isa::Reg>(&add.src)) {
        const uint8_t index = r->n == mov.dst.n ? s : r->n;
        a_.lea(gpq(mov.dst.n), x86::ptr(gpq(s), gpq(index)));
    } else {
        a_.lea(gpq(mov.dst.n), x86::ptr(gpq(s), static_cast<int32_t>(static_cast<int64_t>(next.constant))));
    }
}

// 32-bit forms write the 32-bit register, which zero-extends into the upper half.
void Emitter::emit_alu_reg(const isa::Alu& insn, uint8_t src) {
    const x86::Gp dst = gp(insn.dst.n, insn.is64);
    const x86::Gp s = gp(src, insn.is64);
    switch (insn.op) {
    case AluOp::Add: a_.add(dst, s); break;
    case AluOp::Sub: a_.sub(dst, s); break;
    case AluOp::Mul: a_.imul(dst, s); break; // the low half is the same signed or unsigned
    case AluOp::Or: a_.or_(dst, s); break;
    case AluOp::And: a_.and_(dst, s); break;
    case AluOp::Xor: a_.xor_(dst, s); break;
    case AluOp::Mov: a_.mov(dst, s); break;
    case AluOp::MovSx8: a_.movsx(dst, gpq(src).r8()); break;
    case AluOp::MovSx16: a_.movsx(dst, gpq(src).r16()); break;
    case AluOp::MovSx32:
        if (insn.is64) a_.movsxd(dst, gpd(src));
        else a_.mov(dst, gpd(src));
        break;
    default: break; // shifts, division and neg are dispatched before
    }
}

// constant: the value the operation sees (lowering.hpp); x86 imm32 is sign-extended in
// 64-bit operations, which is exactly eBPF's rule.
void Emitter::emit_alu_imm(const isa::Alu& insn) {
    const x86::Gp dst = gp(insn.dst.n, insn.is64);
    const int64_t imm = insn.is64 ? static_cast<int64_t>(slot_->constant)
                                  : static_cast<int64_t>(static_cast<int32_t>(slot_->constant));
    switch (insn.op) {
    case AluOp::Add: a_.add(dst, imm); break;
    case AluOp::Sub: a_.sub(dst, imm); break;
    case AluOp::Mul: a_.imul(dst, dst, imm); break;
    case AluOp::Or: a_.or_(dst, imm); break;
    case AluOp::And: a_.and_(dst, imm); break;
    case AluOp::Xor: a_.xor_(dst, imm); break;
    case AluOp::Mov:
        if (slot_->constant == 0) a_.xor_(gpd(insn.dst.n), gpd(insn.dst.n));
        else if (!insn.is64 || slot_->constant_width == ConstWidth::U32)
            a_.mov(gpd(insn.dst.n), static_cast<uint32_t>(slot_->constant));
        else a_.mov(gpq(insn.dst.n), imm); // mov r64, simm32
        break;
    default: break;
    }
}

// Count masking (& 63 / & 31) is what x86 shifts do natively. A constant count was masked
// by the lowering; a register count goes through shlx/shrx/sarx (BMI2) or through cl.
void Emitter::emit_shift(const isa::Alu& insn) {
    const x86::Gp dst = gp(insn.dst.n, insn.is64);
    if (const auto* imm = std::get_if<isa::Imm>(&insn.src)) {
        const int count = imm->v;
        if (count == 0) {
            if (!insn.is64) a_.mov(dst, dst); // still zero-extends
            return;
        }
        if (insn.op == AluOp::Lsh) a_.shl(dst, count);
        else if (insn.op == AluOp::Rsh) a_.shr(dst, count);
        else a_.sar(dst, count);
        return;
    }
    const uint8_t src = std::get<isa::Reg>(insn.src).n;
    if (options_.bmi2) {
        const x86::Gp count = gp(src, insn.is64);
        if (insn.op == AluOp::Lsh) a_.shlx(dst, dst, count);
        else if (insn.op == AluOp::Rsh) a_.shrx(dst, dst, count);
        else a_.sarx(dst, dst, count);
        return;
    }
    auto shift_by_cl = [&](const x86::Gp& value) {
        if (insn.op == AluOp::Lsh) a_.shl(value, x86::cl);
        else if (insn.op == AluOp::Rsh) a_.shr(value, x86::cl);
        else a_.sar(value, x86::cl);
    };
    const x86::Gpq rcx = gpq(4); // eBPF r4
    if (src == 4) {
        shift_by_cl(dst); // count already in cl (dst may be rcx itself: shifts by itself)
    } else if (insn.dst.n == 4) {
        // dst is rcx: shift a copy in scratch A (the value), count into rcx, copy back.
        const x86::Gp value = insn.is64 ? x86::Gp(kScratchA) : x86::Gp(kScratchA.r32());
        a_.mov(kScratchA, rcx);
        a_.mov(rcx, gpq(src));
        shift_by_cl(value);
        a_.mov(rcx, kScratchA);
        if (!insn.is64) a_.mov(x86::ecx, x86::ecx);
    } else {
        // Scratch A keeps eBPF r4 while rcx carries the count.
        a_.mov(kScratchA, rcx);
        a_.mov(rcx, gpq(src));
        shift_by_cl(dst);
        a_.mov(rcx, kScratchA);
    }
}

// div/idiv need the dividend in rdx:rax and trap on 0 and INT_MIN / -1, so:
//   scratch A = divisor (copied first: it may be rax or rdx)
//   scratch B = eBPF r3 (rdx), and eBPF r0 (rax) pushed, saved unless dst is that register
//   (r9 is the blinding register, never a temporary: register_map.hpp)
// and the fixups the lowering asked for run before: by 0 -> div 0 / mod dst; by -1 (signed)
// -> neg / 0.
void Emitter::emit_division(const isa::Alu& insn) {
    const bool w = insn.is64 && !slot_->div32; // div32: the 32-bit form gives the same result
    const bool is_signed = insn.op == AluOp::SDiv || insn.op == AluOp::SMod;
    const bool is_mod = insn.op == AluOp::Mod || insn.op == AluOp::SMod;
    const uint8_t d = insn.dst.n;
    const x86::Gp dst = gp(d, w);
    const x86::Gp divisor = w ? x86::Gp(kScratchA) : x86::Gp(kScratchA.r32());
    if (slot_->division >= 0) return emit_magic_division(insn, lowered_.divisions[static_cast<size_t>(slot_->division)]);

    if (const auto* r = std::get_if<isa::Reg>(&insn.src)) a_.mov(divisor, gp(r->n, w));
    else a_.mov(kScratchA, static_cast<int64_t>(w ? static_cast<int64_t>(slot_->constant)
                                                     : static_cast<int64_t>(static_cast<uint32_t>(slot_->constant))));

    asmjit::Label done = a_.newLabel();
    if (slot_->div != DivFixup::None) {
        asmjit::Label nonzero = a_.newLabel();
        a_.test(divisor, divisor);
        jump(x86::Inst::kIdJnz, nonzero);
        if (!is_mod) a_.xor_(gpd(d), gpd(d));
        else if (!w) a_.mov(dst, dst);
        jump(x86::Inst::kIdJmp, done);
        a_.bind(nonzero);
        if (slot_->div == DivFixup::ZeroAndMinusOne) {
            asmjit::Label normal = a_.newLabel();
            a_.cmp(divisor, -1);
            jump(x86::Inst::kIdJne, normal);
            if (is_mod) a_.xor_(gpd(d), gpd(d));
            else a_.neg(dst);
            jump(x86::Inst::kIdJmp, done);
            a_.bind(normal);
        }
    }

    if (d != 0) a_.push(x86::rax);
    if (d != 3) a_.mov(kScratchB, x86::rdx);
    if (d != 0) a_.mov(w ? x86::Gp(x86::rax) : x86::Gp(x86::eax), dst);
    if (is_signed) {
        if (w) a_.cqo(x86::rdx, x86::rax);
        else a_.cdq(x86::edx, x86::eax);
        if (w) a_.idiv(x86::rdx, x86::rax, divisor);
        else a_.idiv(x86::edx, x86::eax, divisor);
    } else {
        a_.xor_(x86::edx, x86::edx);
        if (w) a_.div(x86::rdx, x86::rax, divisor);
        else a_.div(x86::edx, x86::eax, divisor);
    }
    const x86::Gp result = is_mod ? (w ? x86::Gp(x86::rdx) : x86::Gp(x86::edx))
                                  : (w ? x86::Gp(x86::rax) : x86::Gp(x86::eax));
    if (result.id() != dst.id()) a_.mov(dst, result);
    if (d != 0) a_.pop(x86::rax);
    if (d != 3) a_.mov(x86::rdx, kScratchB);
    a_.bind(done);
}

// Swap only: the lowering turned le into truncations and be into swaps.
void Emitter::emit_endian(const isa::Endian& insn) {
    const x86::Gpq r = gpq(insn.dst.n);
    switch (insn.bits) {
    case 16:
        a_.ror(r.r16(), 8);
        a_.movzx(r.r32(), r.r16());
        break;
    case 32: a_.bswap(r.r32()); break;
    default: a_.bswap(r); break;
    }
}

} // namespace ebpfjit::jit::x86_64
