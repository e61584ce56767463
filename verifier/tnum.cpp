#include "verifier/tnum.hpp"

#include <fmt/format.h>

namespace ebpfjit::verifier {

Tnum Tnum::range(uint64_t min, uint64_t max) {
    uint64_t chi = min ^ max;
    if (chi == 0) return constant(min);
    int bits = 64 - __builtin_clzll(chi);
    if (bits > 63) return unknown();
    uint64_t delta = (1ULL << bits) - 1;
    return {min & ~delta, delta};
}

bool Tnum::contains(const Tnum& t) const {
    if (t.mask & ~mask) return false;
    return (t.value & ~mask) == value;
}

Tnum Tnum::add(Tnum b) const {
    uint64_t sm = mask + b.mask;
    uint64_t sv = value + b.value;
    uint64_t sigma = sm + sv;
    uint64_t chi = sigma ^ sv;
    uint64_t mu = chi | mask | b.mask;
    return {sv & ~mu, mu};
}

Tnum Tnum::sub(Tnum b) const {
    uint64_t dv = value - b.value;
    uint64_t alpha = dv + mask;
    uint64_t beta = dv - b.mask;
    uint64_t chi = alpha ^ beta;
    uint64_t mu = chi | mask | b.mask;
    return {dv & ~mu, mu};
}

// Long multiplication over tnums (the kernel's tnum_mul): add a shifted copy of b for
// each bit of this that is known 1, and a "maybe" copy for each unknown bit.
Tnum Tnum::mul(Tnum b) const {
    Tnum a = *this;
    uint64_t acc_v = a.value * b.value;
    Tnum acc_m = constant(0);
    while (a.value || a.mask) {
        if (a.value & 1) acc_m = acc_m.add(Tnum{0, b.mask});
        else if (a.mask & 1) acc_m = acc_m.add(Tnum{0, b.value | b.mask});
        a = a.rsh(1);
        b = b.lsh(1);
    }
    return constant(acc_v).add(acc_m);
}

Tnum Tnum::and_(Tnum b) const {
    uint64_t alpha = value | mask;
    uint64_t beta = b.value | b.mask;
    uint64_t v = value & b.value;
    return {v, alpha & beta & ~v};
}

Tnum Tnum::or_(Tnum b) const {
    uint64_t v = value | b.value;
    uint64_t mu = mask | b.mask;
    return {v, mu & ~v};
}

Tnum Tnum::xor_(Tnum b) const {
    uint64_t v = value ^ b.value;
    uint64_t mu = mask | b.mask;
    return {v & ~mu, mu};
}

Tnum Tnum::lsh(uint8_t shift) const { return {value << shift, mask << shift}; }
Tnum Tnum::rsh(uint8_t shift) const { return {value >> shift, mask >> shift}; }

Tnum Tnum::arsh(uint8_t shift, uint8_t insn_bitness) const {
    if (insn_bitness == 32)
        return {uint32_t(int32_t(uint32_t(value)) >> shift),
                uint32_t(int32_t(uint32_t(mask)) >> shift)};
    return {uint64_t(int64_t(value) >> shift), uint64_t(int64_t(mask) >> shift)};
}

Tnum Tnum::intersect(Tnum b) const {
    uint64_t v = value | b.value;
    uint64_t mu = mask & b.mask;
    return {v & ~mu, mu};
}

Tnum Tnum::union_(Tnum b) const {
    uint64_t mu = mask | b.mask | (value ^ b.value);
    return {value & ~mu, mu};
}

Tnum Tnum::cast(uint8_t bytes) const {
    if (bytes >= 8) return *this;
    uint64_t keep = (1ULL << (bytes * 8)) - 1;
    return {value & keep, mask & keep};
}

Tnum Tnum::with_subreg(Tnum sub) const {
    Tnum s = sub.subreg();
    return {(value >> 32 << 32) | s.value, (mask >> 32 << 32) | s.mask};
}

std::string Tnum::to_string() const { return fmt::format("({:#x}; {:#x})", value, mask); }

} // namespace ebpfjit::verifier
