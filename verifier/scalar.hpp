// What is known about a 64-bit scalar: known bits (tnum) plus signed and unsigned
// bounds of the whole value and of its low 32 bits, as the kernel's bpf_reg_state keeps
// them. Every transfer function over-approximates; normalize() lets the five views
// tighten each other and reports an empty set (an infeasible path) as false.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "isa/instruction.hpp"
#include "verifier/tnum.hpp"

namespace ebpfjit::verifier {

struct Scalar {
    Tnum bits = Tnum::unknown();
    int64_t smin = std::numeric_limits<int64_t>::min();
    int64_t smax = std::numeric_limits<int64_t>::max();
    uint64_t umin = 0;
    uint64_t umax = ~0ULL;
    int32_t s32min = std::numeric_limits<int32_t>::min();
    int32_t s32max = std::numeric_limits<int32_t>::max();
    uint32_t u32min = 0;
    uint32_t u32max = ~0U;

    static Scalar unknown() { return {}; }
    static Scalar constant(uint64_t v);
    // Zero-extended value in [0, max].
    static Scalar unsigned_range(uint64_t min, uint64_t max);

    bool is_const() const { return bits.is_const(); }
    uint64_t value() const { return bits.value; }
    bool upper32_zero() const { return umax <= 0xffffffffULL; }
    bool contains(uint64_t v) const;
    bool contains32(uint32_t v) const;
    // Every value `o` can hold is a value this can hold (state subsumption).
    bool subsumes(const Scalar& o) const;

    // Tightens the views against each other. Returns false if no value satisfies them.
    [[nodiscard]] bool normalize();
    // Low 32 bits, zero-extended (the result of every 32-bit ALU op).
    Scalar zext32() const;
    // Bounds of the low 32 bits as a 64-bit zero-extended scalar (input of a 32-bit op).
    Scalar low32() const { return zext32(); }

    std::string to_string() const;
    friend bool operator==(const Scalar&, const Scalar&) = default;
};

// dst = dst OP src for scalars, 64-bit semantics. Neg/Mov/Mov-sign-extend included;
// 32-bit ops are alu32(): applied on the low halves and zero-extended.
Scalar scalar_alu64(isa::AluOp op, const Scalar& dst, const Scalar& src);
Scalar scalar_alu32(isa::AluOp op, const Scalar& dst, const Scalar& src);
Scalar scalar_endian(isa::EndianOp op, uint8_t bits, const Scalar& v);
// Sign-extending load/mov result from `bytes` bytes.
Scalar scalar_sign_extend(const Scalar& v, uint8_t bytes);

} // namespace ebpfjit::verifier
