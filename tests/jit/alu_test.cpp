// ALU semantics on the JIT: division fixups, shifts, 32-bit zero-extension, movsx, endian.
#include <catch2/catch.hpp>

#include "tests/jit/program_builder.hpp"
#include "runtime/run/native_run.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

// r0 = a; r1 = b; r0 op= r1 (or op= imm b when imm); exit.
uint64_t binop(AluOp op, bool is64, uint64_t a, uint64_t b, bool imm = false) {
    std::vector<Instruction> v;
    lddw(v, 0, a);
    lddw(v, 2, b);
    if (imm) v.push_back(Alu{op, is64, Reg{0}, Imm{static_cast<int32_t>(b)}});
    else v.push_back(Alu{op, is64, Reg{0}, Reg{2}});
    v.push_back(exit_insn());
    auto r = jit_run(make_program(v));
    REQUIRE(r.has_value());
    return *r;
}

// Same with the operands in other registers: dst r3 (rdx) / divisor r0 (rax), to exercise
// the div sequence's register juggling.
uint64_t binop_regs(AluOp op, bool is64, uint64_t a, uint64_t b, uint8_t dst, uint8_t src) {
    std::vector<Instruction> v;
    lddw(v, dst, a);
    lddw(v, src, b);
    lddw(v, 6, 0x1111); // r6 must survive
    v.push_back(Alu{op, is64, Reg{dst}, Reg{src}});
    v.push_back(mov64r(0, dst));
    v.push_back(alu64r(AluOp::Xor, 0, 6));
    v.push_back(exit_insn());
    auto r = jit_run(make_program(v));
    REQUIRE(r.has_value());
    return *r ^ 0x1111;
}

constexpr uint64_t kMin64 = 0x8000000000000000ull;

} // namespace

TEST_CASE("division and modulo by zero follow the kernel", "[jit][alu]") {
    CHECK(binop(AluOp::Div, true, 42, 0) == 0);
    CHECK(binop(AluOp::Mod, true, 42, 0) == 42);
    CHECK(binop(AluOp::SDiv, true, 42, 0) == 0);
    CHECK(binop(AluOp::SMod, true, static_cast<uint64_t>(-42), 0) == static_cast<uint64_t>(-42));
    // 32-bit: mod by 0 leaves the low half, zero-extended.
    CHECK(binop(AluOp::Mod, false, 0xffffffff00000007ull, 0) == 7);
    CHECK(binop(AluOp::Div, false, 0xffffffff00000007ull, 0) == 0);
    CHECK(binop(AluOp::Div, true, 42, 0, true) == 0);
    CHECK(binop(AluOp::Mod, true, 42, 0, true) == 42);
    CHECK(binop(AluOp::Mod, false, 0xffffffff00000007ull, 0, true) == 7);
}

TEST_CASE("signed INT_MIN / -1 does not trap", "[jit][alu]") {
    CHECK(binop(AluOp::SDiv, true, kMin64, static_cast<uint64_t>(-1)) == kMin64);
    CHECK(binop(AluOp::SMod, true, kMin64, static_cast<uint64_t>(-1)) == 0);
    CHECK(binop(AluOp::SDiv, false, 0x80000000u, 0xffffffffu) == 0x80000000u);
    CHECK(binop(AluOp::SMod, false, 0x80000000u, 0xffffffffu) == 0);
    CHECK(binop(AluOp::SDiv, true, kMin64, static_cast<uint64_t>(-1), true) == kMin64);
    CHECK(binop(AluOp::SMod, true, kMin64, static_cast<uint64_t>(-1), true) == 0);
    CHECK(binop(AluOp::SDiv, true, static_cast<uint64_t>(-7), 2) == static_cast<uint64_t>(-3));
    CHECK(binop(AluOp::SMod, true, static_cast<uint64_t>(-7), 2) == static_cast<uint64_t>(-1));
    CHECK(binop(AluOp::SDiv, false, static_cast<uint32_t>(-7), 2) == static_cast<uint32_t>(-3));
}

TEST_CASE("division keeps r0 and r3 intact in every register combination", "[jit][alu]") {
    for (uint8_t dst : {0, 1, 3, 4, 7})
        for (uint8_t src : {0, 2, 3, 4, 8}) {
            if (dst == src) continue;
            INFO("dst r" << int(dst) << " src r" << int(src));
            CHECK(binop_regs(AluOp::Div, true, 100, 7, dst, src) == 14);
            CHECK(binop_regs(AluOp::Mod, true, 100, 7, dst, src) == 2);
            CHECK(binop_regs(AluOp::SDiv, false, static_cast<uint32_t>(-100), 7, dst, src) ==
                  static_cast<uint32_t>(-14));
            CHECK(binop_regs(AluOp::Mod, true, 100, 0, dst, src) == 100);
        }
}

TEST_CASE("shift counts are masked and 32-bit results zero-extended", "[jit][alu]") {
    CHECK(binop(AluOp::Lsh, true, 1, 65) == 2);
    CHECK(binop(AluOp::Lsh, false, 1, 33) == 2);
    CHECK(binop(AluOp::Rsh, false, 0xffffffff80000000ull, 31) == 1);
    CHECK(binop(AluOp::Arsh, false, 0x80000000u, 31) == 0xffffffffu);
    CHECK(binop(AluOp::Arsh, true, kMin64, 63) == ~0ull);
    CHECK(binop(AluOp::Lsh, true, 1, 65, true) == 2);
    CHECK(binop(AluOp::Add, false, 0xffffffffull, 1) == 0);
    CHECK(binop(AluOp::Mov, false, 0, 0xffffffff00000005ull) == 5);
    CHECK(binop(AluOp::Mul, false, 0x10000, 0x10000) == 0);
    CHECK(binop(AluOp::Sub, false, 0, 1) == 0xffffffffull);
    CHECK(binop(AluOp::Add, true, 1, static_cast<uint64_t>(-1), true) == 0);
    CHECK(binop(AluOp::And, true, 0xffffffffffffffffull, static_cast<uint64_t>(-2), true) == ~1ull);
}

TEST_CASE("variable shifts work with and without BMI2 in every register role", "[jit][alu]") {
    for (bool bmi2 : {true, false}) {
        for (uint8_t dst : {0, 4, 5}) {
            for (uint8_t src : {1, 4, 6}) {
                std::vector<Instruction> v;
                lddw(v, dst, 0x00000000000000f0ull);
                if (src != dst) lddw(v, src, 68); // masked to 4
                if (dst != 4 && src != 4) v.push_back(mov64(4, 77)); // r4 must survive
                v.push_back(alu64r(AluOp::Lsh, dst, src));
                v.push_back(mov64r(0, dst));
                if (dst != 4 && src != 4) {
                    v.push_back(alu64(AluOp::Lsh, 0, 8));
                    v.push_back(alu64r(AluOp::Or, 0, 4));
                }
                v.push_back(exit_insn());
                auto lowered = jit::lower(make_program(v), {}, {});
                REQUIRE(lowered.has_value());
#if defined(__x86_64__)
                jit::x86_64::Options opts;
                opts.bmi2 = bmi2;
                auto compiled = jit::x86_64::compile(*lowered, opts);
#else
                auto compiled = jit::compile(make_program(v), {}, {}); // BMI2 is x86-only
#endif
                REQUIRE(compiled.has_value());
                auto r = runtime::run_native(*compiled, 0, 0);
                REQUIRE(r.has_value());
                INFO("bmi2 " << bmi2 << " dst r" << int(dst) << " src r" << int(src));
                const uint64_t shifted = src == dst ? (0xf0ull << (0xf0 & 63)) : 0xf00;
                CHECK(*r == (dst != 4 && src != 4 ? (shifted << 8 | 77) : shifted));
            }
        }
    }
}

TEST_CASE("movsx sign-extends from 8, 16 and 32 bits", "[jit][alu]") {
    CHECK(binop(AluOp::MovSx8, true, 0, 0x80) == 0xffffffffffffff80ull);
    CHECK(binop(AluOp::MovSx16, true, 0, 0x8000) == 0xffffffffffff8000ull);
    CHECK(binop(AluOp::MovSx32, true, 0, 0x80000000) == 0xffffffff80000000ull);
    CHECK(binop(AluOp::MovSx8, false, 0, 0x80) == 0xffffff80ull);
    CHECK(binop(AluOp::MovSx16, false, 0, 0x7fff) == 0x7fffull);
}

TEST_CASE("bswap, le and be", "[jit][alu]") {
    auto endian = [](EndianOp op, uint8_t bits, uint64_t value) {
        std::vector<Instruction> v;
        lddw(v, 0, value);
        v.push_back(Endian{op, bits, Reg{0}});
        v.push_back(exit_insn());
        auto r = jit_run(make_program(v));
        REQUIRE(r.has_value());
        return *r;
    };
    const uint64_t x = 0x0123456789abcdefull;
    CHECK(endian(EndianOp::Swap, 16, x) == 0xefcd);
    CHECK(endian(EndianOp::Swap, 32, x) == 0xefcdab89);
    CHECK(endian(EndianOp::Swap, 64, x) == 0xefcdab8967452301ull);
    CHECK(endian(EndianOp::ToBe, 16, x) == 0xefcd);
    CHECK(endian(EndianOp::ToLe, 16, x) == 0xcdef);
    CHECK(endian(EndianOp::ToLe, 32, x) == 0x89abcdef);
    CHECK(endian(EndianOp::ToLe, 64, x) == x);
}

TEST_CASE("LDDW with each immediate pattern", "[jit][lddw]") {
    for (uint64_t value : {0ull, 1ull, 0x7fffffffull, 0x80000000ull, 0xffffffffull, 0x100000000ull,
                           0xffffffff80000000ull, 0xffffffffffffffffull, 0x0123456789abcdefull,
                           0x8000000000000000ull, 0x00000001ffffffffull}) {
        std::vector<Instruction> v;
        lddw(v, 0, value);
        v.push_back(exit_insn());
        auto r = jit_run(make_program(v));
        REQUIRE(r.has_value());
        CHECK(*r == value);
    }
    CHECK(jit::const_width(0) == jit::ConstWidth::Zero);
    CHECK(jit::const_width(0xffffffff) == jit::ConstWidth::U32);
    CHECK(jit::const_width(0xffffffff80000000ull) == jit::ConstWidth::S32);
    CHECK(jit::const_width(0x100000000ull) == jit::ConstWidth::Full);
}
