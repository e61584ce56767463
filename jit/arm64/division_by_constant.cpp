// Div/mod by a constant as multiply-high and shifts: the sequence jit/constant_division.hpp
// defines, in A64 terms (umull/smull for 32-bit, umulh/smulh for 64-bit; no udiv/sdiv).
//   kImm (x9)       the multiplier, then (add form) x - hi, then the divisor for msub
//   kQuotient (x15) the high half, then the quotient msub multiplies back
#include "jit/arm64/emitter.hpp"

namespace ebpfjit::jit::arm64 {

void Emitter::emit_magic_division(const isa::Alu& insn, const MagicDivision& plan) {
    const bool w = plan.is64;
    const a64::Gp x = gp(insn.dst.n, w);
    const a64::Gp q = sized(kQuotient, w);
    const a64::Gp tmp = sized(kImm, w);
    const uint32_t bits = w ? 64 : 32;
    load_constant(kImm, w ? plan.multiplier : uint64_t{static_cast<uint32_t>(plan.multiplier)});
    if (w) {
        if (plan.is_signed) a_.smulh(kQuotient, x, kImm);
        else a_.umulh(kQuotient, x, kImm);
    } else {
        if (plan.is_signed) a_.smull(kQuotient, x, kImm.w());
        else a_.umull(kQuotient, x, kImm.w());
    }
    if (plan.is_signed) {
        if (!w && plan.correction == 0) {
            a_.asr(kQuotient, kQuotient, 32 + plan.shift);
        } else {
            if (!w) a_.asr(kQuotient, kQuotient, 32);
            if (plan.correction > 0) a_.add(q, q, x);
            if (plan.correction < 0) a_.sub(q, q, x);
            if (plan.shift != 0) a_.asr(q, q, plan.shift);
        }
        a_.add(q, q, q, a64::lsr(bits - 1)); // round towards zero
    } else if (plan.add_form) {
        if (!w) a_.lsr(kQuotient, kQuotient, 32);
        a_.sub(tmp, x, q);
        a_.add(q, q, tmp, a64::lsr(1));
        if (plan.shift != 0) a_.lsr(q, q, plan.shift);
    } else {
        const uint32_t shift = (w ? 0u : 32u) + plan.shift;
        if (shift != 0) a_.lsr(kQuotient, kQuotient, shift);
    }
    if (!plan.is_mod) {
        a_.mov(x, q);
        return;
    }
    load_constant(kImm, w ? plan.divisor : uint64_t{static_cast<uint32_t>(plan.divisor)});
    a_.msub(x, q, tmp, x);
}

} // namespace ebpfjit::jit::arm64
