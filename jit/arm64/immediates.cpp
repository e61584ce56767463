// Constants into registers (movz/movn/movk or one logical-immediate orr, never a literal
// pool), and the immediate operand forms A64 encodes directly.
#include <asmjit/arm/a64utils.h>

#include "jit/arm64/emitter.hpp"

namespace ebpfjit::jit::arm64 {

// The lowering's ConstWidth picks the register view: Zero and U32 constants are written
// through the W register (upper half zeroed for free), S32 and Full through X. Within
// that view: one orr with a logical immediate when that beats the halfword sequence,
// else movn (mostly-ones values) or movz (the rest) plus a movk per remaining halfword.
void Emitter::load_constant(const a64::GpX& reg, uint64_t value, ConstWidth width) {
    const bool is64 = width == ConstWidth::S32 || width == ConstWidth::Full;
    const uint32_t bits = is64 ? 64 : 32;
    const a64::Gp r = sized(reg, is64);
    if (!is64) value &= UINT32_MAX;
    if (value == 0) {
        a_.movz(r, 0);
        return;
    }
    const uint32_t halves = bits / 16;
    uint32_t zeros = 0, ones = 0;
    for (uint32_t h = 0; h < halves; ++h) {
        const auto part = static_cast<uint16_t>(value >> (16 * h));
        zeros += part == 0;
        ones += part == 0xffff;
    }
    const bool use_movn = ones > zeros;
    const uint32_t skip = use_movn ? ones : zeros;
    if (halves - skip > 1 && a64::Utils::isLogicalImm(value, bits)) {
        a_.orr(r, is64 ? a64::Gp(a64::xzr) : a64::Gp(a64::wzr), value);
        return;
    }
    const uint16_t filler = use_movn ? 0xffff : 0;
    bool first = true;
    for (uint32_t h = 0; h < halves; ++h) {
        const auto part = static_cast<uint16_t>(value >> (16 * h));
        if (part == filler) continue;
        if (!first) a_.movk(r, part, 16 * h);
        else if (use_movn) a_.movn(r, static_cast<uint16_t>(~part), 16 * h);
        else a_.movz(r, part, 16 * h);
        first = false;
    }
    if (first) a_.movn(r, 0); // every halfword is 0xffff
}

void Emitter::load_constant(const a64::GpX& reg, uint64_t value) {
    load_constant(reg, value, const_width(value));
}

// add/sub #imm12, optionally shifted left by 12; a negative value flips the operation.
bool Emitter::try_add_sub_imm(bool subtract, const a64::Gp& dst, const a64::Gp& src, int64_t value) {
    if (value < 0) {
        if (value == INT64_MIN) return false;
        value = -value;
        subtract = !subtract;
    }
    if (value < 4096) {
        if (subtract) a_.sub(dst, src, value);
        else a_.add(dst, src, value);
        return true;
    }
    if ((value & 0xfff) == 0 && value < (int64_t{1} << 24)) {
        if (subtract) a_.sub(dst, src, asmjit::Imm(value >> 12), asmjit::Imm(12));
        else a_.add(dst, src, asmjit::Imm(value >> 12), asmjit::Imm(12));
        return true;
    }
    return false;
}

// cmp #imm12 (or cmn with the negated value: the same N, Z, C and V for every value but
// the most negative one, which no imm12 holds anyway).
bool Emitter::try_cmp_imm(const a64::Gp& reg, int64_t value) {
    const bool negative = value < 0;
    if (negative && value == INT64_MIN) return false;
    const int64_t magnitude = negative ? -value : value;
    // asmjit picks the `lsl #12` form itself for a multiple of 4096 (its 3-operand cmp
    // does not take the shift as an operand).
    const bool fits = magnitude < 4096 || ((magnitude & 0xfff) == 0 && magnitude < (int64_t{1} << 24));
    if (!fits) return false;
    if (negative) a_.cmn(reg, magnitude);
    else a_.cmp(reg, magnitude);
    return true;
}

} // namespace ebpfjit::jit::arm64
