#include "verifier/scalar.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "isa/alu_semantics.hpp"

namespace ebpfjit::verifier {

using isa::AluOp;

Scalar Scalar::constant(uint64_t v) {
    Scalar s;
    s.bits = Tnum::constant(v);
    s.smin = s.smax = int64_t(v);
    s.umin = s.umax = v;
    s.s32min = s.s32max = int32_t(uint32_t(v));
    s.u32min = s.u32max = uint32_t(v);
    return s;
}

Scalar Scalar::unsigned_range(uint64_t min, uint64_t max) {
    Scalar s;
    s.umin = min;
    s.umax = max;
    if (!s.normalize()) return unknown();
    return s;
}

bool Scalar::contains(uint64_t v) const {
    return bits.contains_value(v) && v >= umin && v <= umax && int64_t(v) >= smin &&
           int64_t(v) <= smax && contains32(uint32_t(v));
}

bool Scalar::contains32(uint32_t v) const {
    return v >= u32min && v <= u32max && int32_t(v) >= s32min && int32_t(v) <= s32max;
}

bool Scalar::subsumes(const Scalar& o) const {
    return bits.contains(o.bits) && umin <= o.umin && umax >= o.umax && smin <= o.smin &&
           smax >= o.smax && u32min <= o.u32min && u32max >= o.u32max && s32min <= o.s32min &&
           s32max >= o.s32max;
}

bool Scalar::normalize() {
    constexpr uint64_t kSign64 = 1ULL << 63;
    constexpr uint32_t kSign32 = 1U << 31;
    for (int round = 0; round < 2; ++round) {
        // Known bits bound every view.
        umin = std::max(umin, bits.min());
        umax = std::min(umax, bits.max());
        Tnum lo = bits.subreg();
        u32min = std::max(u32min, uint32_t(lo.min()));
        u32max = std::min(u32max, uint32_t(lo.max()));
        if (!(bits.mask & kSign64)) {
            smin = std::max(smin, int64_t(bits.min()));
            smax = std::min(smax, int64_t(bits.max()));
        }
        if (!(lo.mask & kSign32)) {
            s32min = std::max(s32min, int32_t(uint32_t(lo.min())));
            s32max = std::min(s32max, int32_t(uint32_t(lo.max())));
        }
        // Signed and unsigned agree when the range stays on one side of the sign bit.
        if (((umin ^ umax) >> 63) == 0) { // same sign bit at both ends
            smin = std::max(smin, int64_t(umin));
            smax = std::min(smax, int64_t(umax));
        }
        if (smin >= 0 || smax < 0) {
            umin = std::max(umin, uint64_t(smin));
            umax = std::min(umax, uint64_t(smax));
        }
        if (((u32min ^ u32max) >> 31) == 0) {
            s32min = std::max(s32min, int32_t(u32min));
            s32max = std::min(s32max, int32_t(u32max));
        }
        if (s32min >= 0 || s32max < 0) {
            u32min = std::max(u32min, uint32_t(s32min));
            u32max = std::min(u32max, uint32_t(s32max));
        }
        // A 64-bit range inside one 4 GiB window bounds the low half, and back.
        if ((umin >> 32) == (umax >> 32)) {
            u32min = std::max(u32min, uint32_t(umin));
            u32max = std::min(u32max, uint32_t(umax));
            uint64_t hi = umin & ~0xffffffffULL;
            umin = std::max(umin, hi | u32min);
            umax = std::min(umax, hi | u32max);
        }
        if ((uint64_t(smin) >> 32) == (uint64_t(smax) >> 32)) {
            int32_t a = int32_t(uint32_t(smin)), b = int32_t(uint32_t(smax));
            if (a <= b) {
                s32min = std::max(s32min, a);
                s32max = std::min(s32max, b);
            }
        }
        if (umin > umax || smin > smax || u32min > u32max || s32min > s32max) return false;
        // Bounds give known bits.
        Tnum r = Tnum::range(umin, umax);
        if (bits.conflicts(r)) return false;
        bits = bits.intersect(r);
        Tnum r32 = Tnum::range(u32min, u32max);
        if (bits.subreg().conflicts(r32)) return false;
        bits = bits.with_subreg(bits.subreg().intersect(r32));
    }
    return true;
}

Scalar Scalar::zext32() const {
    Scalar s;
    s.bits = bits.subreg();
    s.u32min = u32min;
    s.u32max = u32max;
    s.s32min = s32min;
    s.s32max = s32max;
    s.umin = u32min;
    s.umax = u32max;
    s.smin = int64_t(u32min);
    s.smax = int64_t(u32max);
    if (!s.normalize()) return unsigned_range(0, 0xffffffffULL);
    return s;
}

std::string Scalar::to_string() const {
    if (is_const()) return fmt::format("{}", int64_t(value()));
    std::string out;
    auto add = [&](std::string part) {
        if (!out.empty()) out += ", ";
        out += part;
    };
    if (smin != std::numeric_limits<int64_t>::min()) add(fmt::format("smin={}", smin));
    if (smax != std::numeric_limits<int64_t>::max()) add(fmt::format("smax={}", smax));
    if (umin != 0) add(fmt::format("umin={}", umin));
    if (umax != ~0ULL) add(fmt::format("umax={}", umax));
    if (umax > 0xffffffffULL) {
        if (s32min != std::numeric_limits<int32_t>::min()) add(fmt::format("s32min={}", s32min));
        if (s32max != std::numeric_limits<int32_t>::max()) add(fmt::format("s32max={}", s32max));
        if (u32min != 0) add(fmt::format("u32min={}", u32min));
        if (u32max != ~0U) add(fmt::format("u32max={}", u32max));
    }
    if (!bits.is_unknown()) add("var_off=" + bits.to_string());
    return out;
}

namespace {

Scalar finish(Scalar s) {
    if (!s.normalize()) return Scalar::unknown();
    return s;
}

Scalar from_bits(Tnum t) {
    Scalar s;
    s.bits = t;
    return finish(s);
}

// Interval arithmetic for an op that is monotone on both ends: [min, max] becomes
// [lo_a op lo_b, hi_a op hi_b], or stays unbounded when either end overflows (`op` is an
// overflow-reporting builtin such as __builtin_add_overflow).
template <class T, class Op>
void bound_unless_overflow(T& min, T& max, Op op, T lo_a, T lo_b, T hi_a, T hi_b) {
    T lo, hi;
    if (!op(lo_a, lo_b, &lo) && !op(hi_a, hi_b, &hi)) {
        min = lo;
        max = hi;
    }
}

constexpr auto kPlus = [](auto x, auto y, auto* r) { return __builtin_add_overflow(x, y, r); };
constexpr auto kMinus = [](auto x, auto y, auto* r) { return __builtin_sub_overflow(x, y, r); };
constexpr auto kTimes = [](auto x, auto y, auto* r) { return __builtin_mul_overflow(x, y, r); };

Scalar add(const Scalar& a, const Scalar& b) {
    Scalar r;
    r.bits = a.bits.add(b.bits);
    bound_unless_overflow(r.umin, r.umax, kPlus, a.umin, b.umin, a.umax, b.umax);
    bound_unless_overflow(r.smin, r.smax, kPlus, a.smin, b.smin, a.smax, b.smax);
    return finish(r);
}

// a - b is smallest at a's minimum minus b's maximum, and largest the other way round.
Scalar sub(const Scalar& a, const Scalar& b) {
    Scalar r;
    r.bits = a.bits.sub(b.bits);
    bound_unless_overflow(r.umin, r.umax, kMinus, a.umin, b.umax, a.umax, b.umin);
    bound_unless_overflow(r.smin, r.smax, kMinus, a.smin, b.smax, a.smax, b.smin);
    return finish(r);
}

// Unsigned only: a signed product's extremes can come from any pair of ends.
Scalar mul(const Scalar& a, const Scalar& b) {
    Scalar r;
    r.bits = a.bits.mul(b.bits);
    bound_unless_overflow(r.umin, r.umax, kTimes, a.umin, b.umin, a.umax, b.umax);
    return finish(r);
}

Scalar udiv(const Scalar& a, const Scalar& b) {
    if (b.umin > 0) return finish(Scalar::unsigned_range(a.umin / b.umax, a.umax / b.umin));
    return Scalar::unsigned_range(0, a.umax); // x / 0 == 0 and x / y <= x
}

Scalar umod(const Scalar& a, const Scalar& b) {
    if (b.umin > 0) return Scalar::unsigned_range(0, std::min(a.umax, b.umax - 1));
    return Scalar::unsigned_range(0, a.umax); // x % 0 == x and x % y <= x
}

Scalar shift64(AluOp op, const Scalar& a, const Scalar& b) {
    if (b.is_const()) {
        uint8_t c = uint8_t(b.value() & 63);
        Scalar r;
        if (op == AluOp::Lsh) {
            r.bits = a.bits.lsh(c);
            if (c == 0 || a.umax <= (~0ULL >> c)) {
                r.umin = a.umin << c;
                r.umax = a.umax << c;
            }
        } else if (op == AluOp::Rsh) {
            r.bits = a.bits.rsh(c);
            r.umin = a.umin >> c;
            r.umax = a.umax >> c;
        } else {
            r.bits = a.bits.arsh(c, 64);
            r.smin = a.smin >> c;
            r.smax = a.smax >> c;
        }
        return finish(r);
    }
    if (op == AluOp::Rsh && b.umax < 64) return Scalar::unsigned_range(a.umin >> b.umax, a.umax >> b.umin);
    return Scalar::unknown();
}

} // namespace

Scalar scalar_sign_extend(const Scalar& v, uint8_t bytes) {
    if (bytes >= 8) return v;
    uint8_t shift = uint8_t(64 - bytes * 8);
    return from_bits(v.bits.cast(bytes).lsh(shift).arsh(shift, 64));
}

Scalar scalar_alu64(AluOp op, const Scalar& dst, const Scalar& src) {
    // Constants fold with the semantics the interpreter executes, so a folded value is
    // exactly what the program computes.
    bool binary = op != AluOp::Neg;
    if (dst.is_const() && (!binary || src.is_const()))
        return Scalar::constant(isa::semantics::alu64(op, dst.value(), src.value()));
    if (op == AluOp::Mov) return src;
    if ((op == AluOp::MovSx8 || op == AluOp::MovSx16 || op == AluOp::MovSx32) && src.is_const())
        return Scalar::constant(isa::semantics::alu64(op, 0, src.value()));
    switch (op) {
    case AluOp::Add: return add(dst, src);
    case AluOp::Sub: return sub(dst, src);
    case AluOp::Neg: return sub(Scalar::constant(0), dst);
    case AluOp::Mul: return mul(dst, src);
    case AluOp::Div: return udiv(dst, src);
    case AluOp::Mod: return umod(dst, src);
    case AluOp::SDiv:
    case AluOp::SMod: return Scalar::unknown();
    case AluOp::And: {
        Scalar r;
        r.bits = dst.bits.and_(src.bits);
        r.umax = std::min(dst.umax, src.umax);
        return finish(r);
    }
    case AluOp::Or: {
        Scalar r;
        r.bits = dst.bits.or_(src.bits);
        r.umin = std::max(dst.umin, src.umin);
        return finish(r);
    }
    case AluOp::Xor: return from_bits(dst.bits.xor_(src.bits));
    case AluOp::Lsh:
    case AluOp::Rsh:
    case AluOp::Arsh: return shift64(op, dst, src);
    case AluOp::MovSx8: return scalar_sign_extend(src, 1);
    case AluOp::MovSx16: return scalar_sign_extend(src, 2);
    case AluOp::MovSx32: return scalar_sign_extend(src, 4);
    case AluOp::Mov: return src;
    }
    return Scalar::unknown();
}

Scalar scalar_alu32(AluOp op, const Scalar& dst, const Scalar& src) {
    Scalar a = dst.zext32(), b = src.zext32();
    bool binary = op != AluOp::Neg;
    if (a.is_const() && (!binary || b.is_const()))
        return Scalar::constant(isa::semantics::alu32(op, uint32_t(a.value()), uint32_t(b.value())));
    if ((op == AluOp::MovSx8 || op == AluOp::MovSx16) && b.is_const())
        return Scalar::constant(isa::semantics::alu32(op, 0, uint32_t(b.value())));
    Scalar wide;
    switch (op) {
    case AluOp::Mov:
    case AluOp::MovSx32: return b;
    case AluOp::MovSx8: wide = scalar_sign_extend(b, 1); break;
    case AluOp::MovSx16: wide = scalar_sign_extend(b, 2); break;
    case AluOp::SDiv:
    case AluOp::SMod: return Scalar::unsigned_range(0, 0xffffffffULL);
    case AluOp::Lsh:
    case AluOp::Rsh:
        if (!b.is_const()) return Scalar::unsigned_range(0, 0xffffffffULL);
        wide = scalar_alu64(op, a, Scalar::constant(b.value() & 31));
        break;
    case AluOp::Arsh: {
        if (!b.is_const()) return Scalar::unsigned_range(0, 0xffffffffULL);
        uint8_t c = uint8_t(b.value() & 31);
        Scalar r;
        r.bits = a.bits.arsh(c, 32);
        r.s32min = dst.s32min >> c;
        r.s32max = dst.s32max >> c;
        r.umax = 0xffffffffULL;
        return finish(r);
    }
    default: wide = scalar_alu64(op, a, b); break;
    }
    return wide.zext32();
}

Scalar scalar_endian(isa::EndianOp op, uint8_t bits, const Scalar& v) {
    uint8_t bytes = bits / 8;
    bool swap = op == isa::EndianOp::Swap || op == isa::EndianOp::ToBe; // host is little-endian
    if (!swap) return from_bits(v.bits.cast(bytes));
    auto bswap = [&](uint64_t x) -> uint64_t {
        if (bits == 16) return __builtin_bswap16(uint16_t(x));
        if (bits == 32) return __builtin_bswap32(uint32_t(x));
        return __builtin_bswap64(x);
    };
    return from_bits(Tnum{bswap(v.bits.value), bswap(v.bits.mask)});
}

} // namespace ebpfjit::verifier
