// Tristate numbers ("tnums", after the kernel's kernel/bpf/tnum.c): a 64-bit value where
// each bit is known 0, known 1 or unknown. `value` holds the known-1 bits, `mask` the
// unknown ones; a bit set in both never occurs.
#pragma once

#include <cstdint>
#include <string>

namespace ebpfjit::verifier {

struct Tnum {
    uint64_t value = 0;
    uint64_t mask = ~0ULL;

    static Tnum constant(uint64_t v) { return {v, 0}; }
    static Tnum unknown() { return {0, ~0ULL}; }
    // Smallest tnum containing every value in [min, max].
    static Tnum range(uint64_t min, uint64_t max);

    bool is_const() const { return mask == 0; }
    bool is_unknown() const { return mask == ~0ULL; }
    uint64_t min() const { return value; }
    uint64_t max() const { return value | mask; }
    // Every value `t` can hold is a value this can hold.
    bool contains(const Tnum& t) const;
    bool contains_value(uint64_t v) const { return (v & ~mask) == value; }

    Tnum add(Tnum b) const;
    Tnum sub(Tnum b) const;
    Tnum mul(Tnum b) const;
    Tnum and_(Tnum b) const;
    Tnum or_(Tnum b) const;
    Tnum xor_(Tnum b) const;
    Tnum lsh(uint8_t shift) const;
    Tnum rsh(uint8_t shift) const;
    Tnum arsh(uint8_t shift, uint8_t insn_bitness) const;
    // Bits known in either; nullopt-free: caller checks conflict() first.
    Tnum intersect(Tnum b) const;
    bool conflicts(Tnum b) const { return ((value ^ b.value) & ~(mask | b.mask)) != 0; }
    // Bits known in both with equal value (join of two states).
    Tnum union_(Tnum b) const;

    Tnum cast(uint8_t bytes) const; // keep the low `bytes` bytes, the rest known zero
    Tnum subreg() const { return cast(4); }
    Tnum clear_subreg() const { return {value >> 32 << 32, mask >> 32 << 32}; }
    Tnum with_subreg(Tnum sub) const; // upper half from this, lower from sub (low 32 bits)

    std::string to_string() const;
    friend bool operator==(const Tnum&, const Tnum&) = default;
};

} // namespace ebpfjit::verifier
