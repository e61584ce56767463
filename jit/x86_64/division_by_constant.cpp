// Div/mod by a constant as multiply-high and shifts: the sequence jit/constant_division.hpp
// defines, in x86-64 terms. No divide instruction, no fixups (the divisor is neither 0
// nor -1, the lowering made sure).
//
//   32-bit: the 32x32 product fits one 64-bit imul, no implicit registers:
//     scratch A = x (zero- or sign-extended) * multiplier, high half shifted down;
//     scratch B = the add form's difference / the rounding bit.
//   64-bit: the high half needs one-operand mul/imul (rdx:rax), so as in emit_division
//     scratch A = x, scratch B = eBPF r3 (rdx), eBPF r0 (rax) pushed, each saved unless
//     dst is that register, and the result goes to dst after they are restored.
#include "jit/x86_64/emitter.hpp"

namespace ebpfjit::jit::x86_64 {

namespace {

void shift_right(x86::Assembler& a, const x86::Gp& r, uint32_t count, bool arithmetic) {
    if (count == 0) return;
    if (arithmetic) a.sar(r, count);
    else a.shr(r, count);
}

// q (32-bit) in scratch A or B; returns which.
x86::Gpd quotient32(x86::Assembler& a, const MagicDivision& plan, x86::Gpd x) {
    const x86::Gpq wide = kScratchA;
    const x86::Gpd low = kScratchA.r32();
    const auto multiplier = static_cast<uint32_t>(plan.multiplier);
    if (plan.is_signed) {
        a.movsxd(wide, x);
        a.imul(wide, wide, static_cast<int32_t>(multiplier)); // sign-extended imm32 = the signed magic
        if (plan.correction == 0) {
            a.sar(wide, 32 + plan.shift);
        } else {
            a.sar(wide, 32);
            if (plan.correction > 0) a.add(low, x);
            else a.sub(low, x);
            shift_right(a, low, plan.shift, true);
        }
        a.mov(kScratchB.r32(), low);
        a.shr(kScratchB.r32(), 31);
        a.add(low, kScratchB.r32());
        return low;
    }
    a.mov(low, x); // zero-extends
    if (multiplier <= INT32_MAX) {
        a.imul(wide, wide, static_cast<int32_t>(multiplier));
    } else {
        a.mov(kScratchB.r32(), multiplier);
        a.imul(wide, kScratchB);
    }
    if (!plan.add_form) {
        a.shr(wide, 32 + plan.shift);
        return low;
    }
    a.shr(wide, 32);
    const x86::Gpd t = kScratchB.r32();
    a.mov(t, x);
    a.sub(t, low);
    a.shr(t, 1);
    a.add(t, low);
    shift_right(a, t, plan.shift, false);
    return t;
}

} // namespace

void Emitter::emit_magic_division(const isa::Alu& insn, const MagicDivision& plan) {
    const uint8_t d = insn.dst.n;
    if (!plan.is64) {
        const x86::Gpd x = gpd(d);
        const x86::Gpd q = quotient32(a_, plan, x);
        if (!plan.is_mod) {
            a_.mov(x, q);
            return;
        }
        a_.imul(q, q, static_cast<int32_t>(static_cast<uint32_t>(plan.divisor)));
        a_.sub(x, q); // 32-bit: zero-extends
        return;
    }

    a_.mov(kScratchA, gpq(d));
    if (d != 0) a_.push(x86::rax); // no third scratch: r9 is the blinding register
    if (d != 3) a_.mov(kScratchB, x86::rdx);
    a_.mov(x86::rax, plan.multiplier);
    if (plan.is_signed) a_.imul(x86::rdx, x86::rax, kScratchA);
    else a_.mul(x86::rdx, x86::rax, kScratchA);
    x86::Gpq q = x86::rdx;
    if (plan.is_signed) {
        if (plan.correction > 0) a_.add(x86::rdx, kScratchA);
        if (plan.correction < 0) a_.sub(x86::rdx, kScratchA);
        shift_right(a_, x86::rdx, plan.shift, true);
        a_.mov(x86::rax, x86::rdx);
        a_.shr(x86::rax, 63);
        a_.add(x86::rdx, x86::rax);
    } else if (plan.add_form) {
        a_.mov(x86::rax, kScratchA);
        a_.sub(x86::rax, x86::rdx);
        a_.shr(x86::rax, 1);
        a_.add(x86::rax, x86::rdx);
        shift_right(a_, x86::rax, plan.shift, false);
        q = x86::rax;
    } else {
        shift_right(a_, x86::rdx, plan.shift, false);
    }
    if (plan.is_mod) {
        // A 64-bit divisor came from a sign-extended imm32: imul's imm32 is the same value.
        a_.imul(q, q, static_cast<int32_t>(static_cast<int64_t>(plan.divisor)));
        a_.sub(kScratchA, q);
    } else {
        a_.mov(kScratchA, q);
    }
    if (d != 0) a_.pop(x86::rax);
    if (d != 3) a_.mov(x86::rdx, kScratchB);
    a_.mov(gpq(d), kScratchA);
}

} // namespace ebpfjit::jit::x86_64
