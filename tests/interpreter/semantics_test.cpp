// The pure ALU / endian / condition semantics (RFC 9669 + kernel), edge cases first.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>

#include "isa/alu_semantics.hpp"

using namespace ebpfjit;
using namespace ebpfjit::isa::semantics;
using isa::AluOp;

namespace {
constexpr uint64_t kMin64 = uint64_t{1} << 63;
constexpr uint32_t kMin32 = uint32_t{1} << 31;
constexpr uint64_t kMinus1 = ~uint64_t{0};
} // namespace

TEST_CASE("division and modulo by zero") {
    CHECK(alu64(AluOp::Div, 42, 0) == 0);
    CHECK(alu64(AluOp::SDiv, 42, 0) == 0);
    CHECK(alu64(AluOp::Mod, 42, 0) == 42);                   // dst unchanged
    CHECK(alu64(AluOp::SMod, kMinus1, 0) == kMinus1);
    CHECK(alu32(AluOp::Div, 42, 0) == 0);
    CHECK(alu32(AluOp::SDiv, 42, 0) == 0);
    // 32-bit mod by zero keeps dst's low half, zero-extended.
    CHECK(alu32(AluOp::Mod, 0xfffffff0u, 0) == 0xfffffff0u);
    CHECK(alu32(AluOp::SMod, 0x80000001u, 0) == 0x80000001u);
}

TEST_CASE("INT_MIN / -1 and INT_MIN % -1 at both widths") {
    CHECK(alu64(AluOp::SDiv, kMin64, kMinus1) == kMin64);
    CHECK(alu64(AluOp::SMod, kMin64, kMinus1) == 0);
    CHECK(alu32(AluOp::SDiv, kMin32, 0xffffffffu) == kMin32);
    CHECK(alu32(AluOp::SMod, kMin32, 0xffffffffu) == 0);
    // Unsigned division treats the same bits as huge unsigned numbers.
    CHECK(alu64(AluOp::Div, kMin64, kMinus1) == 0);
    CHECK(alu32(AluOp::Div, kMin32, 0xffffffffu) == 0);
}

TEST_CASE("signed division truncates and the remainder takes the dividend's sign") {
    CHECK(alu64(AluOp::SDiv, static_cast<uint64_t>(-13), 3) == static_cast<uint64_t>(-4));
    CHECK(alu64(AluOp::SMod, static_cast<uint64_t>(-13), 3) == static_cast<uint64_t>(-1));
    CHECK(alu64(AluOp::SMod, 13, static_cast<uint64_t>(-3)) == 1);
    CHECK(alu32(AluOp::SDiv, static_cast<uint32_t>(-13), 3) == static_cast<uint32_t>(-4));
    CHECK(alu32(AluOp::SMod, static_cast<uint32_t>(-13), 3) == static_cast<uint32_t>(-1));
}

TEST_CASE("shift amounts are masked to the operand width") {
    CHECK(alu64(AluOp::Lsh, 1, 65) == 2);
    CHECK(alu64(AluOp::Rsh, 4, 64 + 2) == 1);
    CHECK(alu64(AluOp::Arsh, kMin64, 63 + 64) == kMinus1);
    CHECK(alu32(AluOp::Lsh, 1, 33) == 2);
    CHECK(alu32(AluOp::Rsh, 4, 34) == 1);
    CHECK(alu32(AluOp::Arsh, kMin32, 31 + 32) == 0xffffffffu); // zero-extended
}

TEST_CASE("ALU32 results are zero-extended") {
    CHECK(alu32(AluOp::Add, 0xffffffffu, 1) == 0);
    CHECK(alu32(AluOp::Sub, 0, 1) == 0xffffffffu);
    CHECK(alu32(AluOp::Mul, 0x10000, 0x10000) == 0);
    CHECK(alu32(AluOp::Neg, 1, 0) == 0xffffffffu);
    CHECK(alu32(AluOp::Mov, 0, 0xdeadbeefu) == 0xdeadbeefu);
}

TEST_CASE("movsx sign-extends 8, 16 and 32 bits") {
    CHECK(alu64(AluOp::MovSx8, 0, 0x80) == 0xffffffffffffff80ull);
    CHECK(alu64(AluOp::MovSx16, 0, 0x1234ffff) == kMinus1);
    CHECK(alu64(AluOp::MovSx32, 0, 0x7fffffffull) == 0x7fffffffull);
    CHECK(alu64(AluOp::MovSx32, 0, 0x1'80000000ull) == 0xffffffff80000000ull);
    CHECK(alu32(AluOp::MovSx8, 0, 0xff) == 0xffffffffu);   // 32-bit: zero-extended above
    CHECK(alu32(AluOp::MovSx16, 0, 0x7fff) == 0x7fffu);
}

TEST_CASE("le, be and bswap truncate, swap and zero-extend") {
    const uint64_t v = 0x0123456789abcdefull;
    CHECK(endian(isa::EndianOp::ToLe, 16, v) == 0xcdef);
    CHECK(endian(isa::EndianOp::ToLe, 32, v) == 0x89abcdef);
    CHECK(endian(isa::EndianOp::ToLe, 64, v) == v);
    CHECK(endian(isa::EndianOp::ToBe, 16, v) == 0xefcd);
    CHECK(endian(isa::EndianOp::ToBe, 32, v) == 0xefcdab89);
    CHECK(endian(isa::EndianOp::ToBe, 64, v) == 0xefcdab8967452301ull);
    CHECK(endian(isa::EndianOp::Swap, 16, v) == 0xefcd);
    CHECK(endian(isa::EndianOp::Swap, 32, v) == 0xefcdab89);
    CHECK(endian(isa::EndianOp::Swap, 64, v) == 0xefcdab8967452301ull);
}

TEST_CASE("jump conditions: signed, unsigned and 32-bit views") {
    using isa::Cond;
    CHECK(condition(Cond::Gt, false, kMinus1, 1));
    CHECK_FALSE(condition(Cond::SGt, false, kMinus1, 1));
    CHECK(condition(Cond::SLt, false, kMinus1, 0));
    // JMP32 only looks at the low halves.
    CHECK(condition(Cond::Eq, true, 0xffffffff00000005ull, 5));
    CHECK_FALSE(condition(Cond::Eq, false, 0xffffffff00000005ull, 5));
    CHECK(condition(Cond::SLt, true, 0x80000000ull, 0));
    CHECK_FALSE(condition(Cond::SLt, false, 0x80000000ull, 0));
    CHECK(condition(Cond::Set, false, 0b1010, 0b0010));
    CHECK_FALSE(condition(Cond::Set, true, 0x1'00000000ull, 0x1'00000000ull));
    CHECK(condition(Cond::SGe, false, 3, 3));
    CHECK(condition(Cond::SLe, true, 0xffffffffull, 0));
    CHECK(condition(Cond::Le, false, 3, 3));
    CHECK(condition(Cond::Ge, true, 0xffffffffull, 0));
    CHECK(condition(Cond::Lt, false, 2, 3));
    CHECK(condition(Cond::Ne, false, 2, 3));
    CHECK(condition(Cond::Always, false, 0, 1));
}
