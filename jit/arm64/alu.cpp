// ALU, ALU32, shifts, division and byte swaps. 32-bit forms use W registers: writing a
// W register zero-extends into the X register, which is eBPF's rule for ALU32.
#include <asmjit/arm/a64utils.h>

#include "jit/arm64/emitter.hpp"

namespace ebpfjit::jit::arm64 {

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
    case AluOp::Neg: {
        const a64::Gp dst = gp(insn.dst.n, insn.is64);
        a_.neg(dst, dst);
        return;
    }
    default: break;
    }
    if (slot_->add_fused) return emit_mov_add(insn);
    if (const auto* r = std::get_if<isa::Reg>(&insn.src)) emit_alu_reg(insn, gp(r->n, insn.is64));
    else emit_alu_imm(insn);
}

// `mov64 d, s` + `add64 d, x` (lowering.hpp, add_fused): one three-operand add, d = s + x
// (clang's address computations, `r2 = r10; r2 += -8`). The next slot emits nothing.
// A constant imm12 (or imm12 << 12) cannot hold goes through kImm, as in emit_alu_imm.
void Emitter::emit_mov_add(const isa::Alu& mov) {
    const a64::GpX dst = gpx(mov.dst.n);
    const a64::GpX s = gpx(std::get<isa::Reg>(mov.src).n);
    const LoweredSlot& next = lowered_.slots[pc_ + 1];
    const auto& add = std::get<isa::Alu>(next.insn);
    if (const auto* r = std::get_if<isa::Reg>(&add.src)) {
        a_.add(dst, s, r->n == mov.dst.n ? s : gpx(r->n)); // d named in the add is s
        return;
    }
    const auto value = static_cast<int64_t>(next.constant); // sign-extended (ALU64)
    if (try_add_sub_imm(false, dst, s, value)) return;
    load_constant(kImm, next.constant, next.constant_width);
    a_.add(dst, s, kImm);
}

void Emitter::emit_alu_reg(const isa::Alu& insn, const a64::Gp& s) {
    const a64::Gp dst = gp(insn.dst.n, insn.is64);
    switch (insn.op) {
    case AluOp::Add: a_.add(dst, dst, s); break;
    case AluOp::Sub: a_.sub(dst, dst, s); break;
    case AluOp::Mul: a_.mul(dst, dst, s); break; // the low half is the same signed or unsigned
    case AluOp::Or: a_.orr(dst, dst, s); break;
    case AluOp::And: a_.and_(dst, dst, s); break;
    case AluOp::Xor: a_.eor(dst, dst, s); break;
    case AluOp::Mov: a_.mov(dst, s); break;
    case AluOp::MovSx8: a_.sxtb(dst, s.w()); break;
    case AluOp::MovSx16: a_.sxth(dst, s.w()); break;
    case AluOp::MovSx32:
        if (insn.is64) a_.sxtw(dst, s.w());
        else a_.mov(dst, s); // sign-extending 32 bits into 32 bits is a move
        break;
    default: break; // shifts, division and neg are dispatched before
    }
}

// constant: the value the operation sees (lowering.hpp): sign-extended for ALU64, the
// 32-bit pattern for ALU32. What does not fit the instruction goes through kImm.
void Emitter::emit_alu_imm(const isa::Alu& insn) {
    const a64::Gp dst = gp(insn.dst.n, insn.is64);
    const uint64_t constant = slot_->constant;
    const int64_t value = insn.is64 ? static_cast<int64_t>(constant)
                                    : static_cast<int64_t>(static_cast<int32_t>(constant));
    const uint32_t bits = insn.is64 ? 64 : 32;
    const uint64_t pattern = insn.is64 ? constant : (constant & UINT32_MAX);
    switch (insn.op) {
    case AluOp::Mov: load_constant(gpx(insn.dst.n), constant, slot_->constant_width); return;
    case AluOp::Add:
    case AluOp::Sub:
        if (try_add_sub_imm(insn.op == AluOp::Sub, dst, dst, value)) return;
        break;
    case AluOp::Or:
    case AluOp::And:
    case AluOp::Xor:
        if (!a64::Utils::isLogicalImm(pattern, bits)) break;
        if (insn.op == AluOp::Or) a_.orr(dst, dst, pattern);
        else if (insn.op == AluOp::And) a_.and_(dst, dst, pattern);
        else a_.eor(dst, dst, pattern);
        return;
    default: break;
    }
    load_constant(kImm, constant, slot_->constant_width);
    emit_alu_reg(insn, sized(kImm, insn.is64));
}

// Register counts: lslv/lsrv/asrv take the count modulo the register width, exactly
// eBPF's masking. Constant counts were masked by the lowering.
void Emitter::emit_shift(const isa::Alu& insn) {
    const a64::Gp dst = gp(insn.dst.n, insn.is64);
    if (const auto* imm = std::get_if<isa::Imm>(&insn.src)) {
        const int count = imm->v;
        if (count == 0) {
            if (!insn.is64) a_.mov(dst, dst); // still zero-extends
            return;
        }
        if (insn.op == AluOp::Lsh) a_.lsl(dst, dst, count);
        else if (insn.op == AluOp::Rsh) a_.lsr(dst, dst, count);
        else a_.asr(dst, dst, count);
        return;
    }
    const a64::Gp count = gp(std::get<isa::Reg>(insn.src).n, insn.is64);
    if (insn.op == AluOp::Lsh) a_.lslv(dst, dst, count);
    else if (insn.op == AluOp::Rsh) a_.lsrv(dst, dst, count);
    else a_.asrv(dst, dst, count);
}

// udiv/sdiv and msub. What each DivFixup of the lowering asks for, and why the plain A64
// instructions already deliver it (they never trap, unlike x86 div/idiv):
//   ZeroCheck        x / 0 = 0         udiv/sdiv return 0 for a zero divisor
//                    x % 0 = x         msub: x - (x / 0) * 0 = x (W form: zero-extended)
//   ZeroAndMinusOne  INT_MIN / -1      sdiv returns INT_MIN, the wrapped -INT_MIN
//                    INT_MIN % -1 = 0  msub: INT_MIN - INT_MIN * -1 = 0
// So every fixup is met with no extra code (tests/jit_arm64 checks each case).
// Constant divisors that need a fixup were rewritten by the lowering already.
void Emitter::emit_division(const isa::Alu& insn) {
    const bool w = insn.is64 && !slot_->div32; // div32: the 32-bit form gives the same result
    const bool is_signed = insn.op == AluOp::SDiv || insn.op == AluOp::SMod;
    const bool is_mod = insn.op == AluOp::Mod || insn.op == AluOp::SMod;
    if (slot_->division >= 0) return emit_magic_division(insn, lowered_.divisions[static_cast<size_t>(slot_->division)]);
    const a64::Gp dst = gp(insn.dst.n, w);
    a64::Gp divisor;
    if (const auto* r = std::get_if<isa::Reg>(&insn.src)) {
        divisor = gp(r->n, w);
    } else {
        load_constant(kImm, slot_->constant, slot_->constant_width);
        divisor = sized(kImm, w);
    }
    const a64::Gp quotient = is_mod ? sized(kQuotient, w) : dst;
    if (is_signed) a_.sdiv(quotient, dst, divisor);
    else a_.udiv(quotient, dst, divisor);
    if (is_mod) a_.msub(dst, quotient, divisor, dst);
}

// Swap only: the lowering turned le into truncations and be into swaps.
void Emitter::emit_endian(const isa::Endian& insn) {
    const a64::GpX r = gpx(insn.dst.n);
    switch (insn.bits) {
    case 16:
        a_.rev16(r.w(), r.w());
        a_.uxth(r.w(), r.w());
        break;
    case 32: a_.rev(r.w(), r.w()); break;
    default: a_.rev(r, r); break;
    }
}

} // namespace ebpfjit::jit::arm64
