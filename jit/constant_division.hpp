// Division and modulo by a constant as multiply-high and shifts (Granlund & Montgomery;
// the magic numbers of Hacker's Delight, 2nd ed., figures 10-1 and 10-2). The lowering
// decides the plan once; both backends emit exactly the sequence below, so the plan's
// meaning is written down here and `evaluate` is its executable definition (tests hold
// every backend to it, and it to eBPF's own division).
//
// W = 32 or 64, x = dst's low W bits, all arithmetic modulo 2^W:
//
//   unsigned  hi = (x * multiplier) >> W               (2W-bit unsigned product)
//             add_form: q = (((x - hi) >> 1) + hi) >> shift
//             else:     q = hi >> shift
//   signed    hi = (x * multiplier) >> W               (2W-bit signed product)
//             hi = hi + correction * x                 (correction is -1, 0 or +1)
//             q  = hi >>a shift;  q = q + (q >>u (W-1)) (round towards zero)
//   div: dst = q        mod: dst = x - q * divisor
//   32-bit operations zero-extend dst, as every ALU32 result does.
#pragma once

#include <cstdint>
#include <optional>

namespace ebpfjit::jit {

struct MagicDivision {
    bool is_signed = false;
    bool is_mod = false;
    bool is64 = false;
    bool add_form = false;  // unsigned only
    int8_t correction = 0;  // signed only
    uint8_t shift = 0;
    uint64_t multiplier = 0; // W-bit pattern (signed: two's complement, zero-extended)
    uint64_t divisor = 0;    // the value the operation sees (32-bit ops: the 32-bit pattern)
};

// The plan for dividing by `divisor` (the operation's view of the imm: sign-extended for
// 64-bit ops, the 32-bit pattern for 32-bit ops). nullopt for the divisors the lowering
// rewrites into single instructions instead: 0, 1, signed -1, unsigned powers of two.
std::optional<MagicDivision> plan_magic_division(bool is_signed, bool is_mod, bool is64,
                                                 uint64_t divisor);

// The plan's result for dividend x (the full 64-bit register; 32-bit plans read the low
// half and return the zero-extended result).
uint64_t evaluate(const MagicDivision& plan, uint64_t x);

} // namespace ebpfjit::jit
