// Division and modulo by a constant (multiply-shift plans, jit/constant_division.hpp):
// the plan's definition against C++ division, then the x86-64 code against the
// interpreter, for every divisor class, 32 and 64 bits, signed and unsigned, and
// destination registers that collide with the sequence's implicit rax/rdx.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>

#include "jit/constant_division.hpp"
#include "runtime/interpreter.hpp"
#include "tests/jit/program_builder.hpp"
#include "runtime/run/native_run.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

// eBPF's own definition (RFC 9669): truncating signed division, remainder with the
// dividend's sign; -1 and 0 divisors never reach a plan.
uint64_t reference(bool is_signed, bool is_mod, bool is64, uint64_t x, uint64_t d) {
    if (is64) {
        if (!is_signed) return is_mod ? x % d : x / d;
        const auto a = static_cast<int64_t>(x), b = static_cast<int64_t>(d);
        return static_cast<uint64_t>(is_mod ? a % b : a / b);
    }
    const auto a = static_cast<uint32_t>(x), b = static_cast<uint32_t>(d);
    if (!is_signed) return is_mod ? a % b : a / b;
    const auto sa = static_cast<int32_t>(a), sb = static_cast<int32_t>(b);
    return static_cast<uint32_t>(is_mod ? sa % sb : sa / sb);
}

std::vector<int32_t> divisor_imms() {
    std::vector<int32_t> v = {1, -1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 25, 100, 125, 641, 1000, 1 << 20, 1 << 30,
                              (1 << 30) + 1, 0x7ffffffe, INT32_MAX, INT32_MIN, INT32_MIN + 1, -2, -3, -4, -5, -7,
                              -10, -1000, -(1 << 30), 0x55555555, 0x33333333, 0x10000001};
    std::mt19937 rng(8);
    for (int i = 0; i < 12; ++i) v.push_back(static_cast<int32_t>(rng()) >> (rng() % 31));
    return v;
}

std::vector<uint64_t> dividends(uint64_t d) {
    std::vector<uint64_t> v = {0, 1, 2, 3, 7, d - 1, d, d + 1, 2 * d, 2 * d - 1, 0x7fffffff, 0x80000000,
                               0x80000001, 0xffffffff, 0xfffffffe, 0x100000000, 0x7fffffffffffffff,
                               0x8000000000000000, 0x8000000000000001, UINT64_MAX, UINT64_MAX - 1,
                               0xffffffff80000000, 0x12345678 * d, 0 - d, 0 - d - 1}; // -d as two's complement
    std::mt19937_64 rng(d);
    for (int i = 0; i < 24; ++i) v.push_back(rng() >> (rng() % 64));
    for (int i = 0; i < 8; ++i) v.push_back(0 - (rng() >> (rng() % 64))); // negated, without int64 overflow (UBSan)
    return v;
}

// r7 = input; r0 / r3 hold sentinels unless they are dst; dst = *(r7); dst op= imm;
// the result and both sentinels are stored back, so a clobbered rax/rdx shows.
Program division_program(AluOp op, bool is64, uint8_t dst, int32_t imm) {
    std::vector<Instruction> v;
    v.push_back(mov64r(7, 1));
    v.push_back(mov64(0, 0x1234));
    v.push_back(mov64(3, 0x5678));
    v.push_back(ldx(Size::DW, dst, 7, 0));
    v.push_back(Alu{op, is64, Reg{dst}, Imm{imm}});
    v.push_back(stx(Size::DW, 7, 8, dst));
    v.push_back(stx(Size::DW, 7, 16, 0));
    v.push_back(stx(Size::DW, 7, 24, 3));
    v.push_back(mov64(0, 0));
    v.push_back(exit_insn());
    return make_program(v);
}

} // namespace

TEST_CASE("magic division plans equal eBPF division", "[jit][division]") {
    std::mt19937_64 rng(1);
    std::vector<uint64_t> divisors;
    for (int k = 1; k < 64; ++k)
        for (uint64_t d : {uint64_t{1} << k, (uint64_t{1} << k) - 1, (uint64_t{1} << k) + 1, uint64_t{0} - (uint64_t{1} << k),
                           uint64_t{0} - (uint64_t{1} << k) + 1})
            divisors.push_back(d);
    for (uint64_t d = 2; d < 300; ++d) divisors.push_back(d), divisors.push_back(0 - d);
    for (int i = 0; i < 300; ++i) divisors.push_back(rng() >> (rng() % 64));
    size_t plans = 0;
    for (bool is_signed : {false, true})
        for (bool is_mod : {false, true})
            for (bool is64 : {false, true})
                for (uint64_t d : divisors) {
                    const auto plan = jit::plan_magic_division(is_signed, is_mod, is64, d);
                    const uint64_t dw = is64 ? d : uint64_t{static_cast<uint32_t>(d)};
                    if (!plan) {
                        // Only the divisors the lowering rewrites go without a plan.
                        const bool minus_one = dw == (is64 ? UINT64_MAX : UINT32_MAX);
                        CHECK((dw <= 1 || (is_signed && minus_one) || (!is_signed && std::has_single_bit(dw))));
                        continue;
                    }
                    ++plans;
                    for (uint64_t x : dividends(dw)) {
                        const uint64_t got = jit::evaluate(*plan, x);
                        const uint64_t want = reference(is_signed, is_mod, is64, x, dw);
                        if (got != want) {
                            INFO("signed " << is_signed << " mod " << is_mod << " 64 " << is64 << " d " << dw << " x " << x);
                            CHECK(got == want);
                        }
                    }
                }
    CHECK(plans > 2000);
}

TEST_CASE("division by a constant on the JIT matches the interpreter", "[jit][division]") {
    const helpers::ProgramBindings bindings = test_bindings();
    size_t checked = 0;
    for (AluOp op : {AluOp::Div, AluOp::Mod, AluOp::SDiv, AluOp::SMod})
        for (bool is64 : {false, true})
            for (int32_t imm : divisor_imms())
                for (uint8_t dst : {uint8_t{0}, uint8_t{3}, uint8_t{2}, uint8_t{6}}) {
                    const Program p = division_program(op, is64, dst, imm);
                    auto compiled = jit::compile(p, verifier::Facts{}, bindings);
                    REQUIRE(compiled.has_value());
                    runtime::Interpreter interpreter(p, bindings);
                    const uint64_t d = is64 ? static_cast<uint64_t>(int64_t{imm}) : uint64_t{static_cast<uint32_t>(imm)};
                    for (uint64_t x : dividends(d)) {
                        uint8_t jit_mem[32] = {}, ref_mem[32] = {};
                        std::memcpy(jit_mem, &x, 8);
                        std::memcpy(ref_mem, &x, 8);
                        auto r = runtime::run_native_mem(*compiled, jit_mem);
                        REQUIRE(r.has_value());
                        const runtime::MemoryRegion region{reinterpret_cast<uint64_t>(ref_mem), sizeof ref_mem, true};
                        auto e = interpreter.run(reinterpret_cast<uint64_t>(ref_mem), sizeof ref_mem, {&region, 1});
                        REQUIRE(e.has_value());
                        if (std::memcmp(jit_mem, ref_mem, sizeof jit_mem) != 0) {
                            uint64_t got[4], want[4];
                            std::memcpy(got, jit_mem, 32);
                            std::memcpy(want, ref_mem, 32);
                            INFO("op " << static_cast<int>(op) << " 64 " << is64 << " imm " << imm << " dst r"
                                       << int{dst} << " x " << x << ": jit " << got[1] << " (" << got[2] << ", "
                                       << got[3] << ") interp " << want[1] << " (" << want[2] << ", " << want[3] << ")");
                            CHECK(false);
                        }
                        ++checked;
                    }
                }
    CHECK(checked > 40000);
}

TEST_CASE("the lowering plans constant divisions and rewrites the trivial ones", "[jit][division][lowering]") {
    auto lowered_div = [](AluOp op, bool is64, int32_t imm) {
        const helpers::ProgramBindings bindings = test_bindings();
        jit::LoweringOptions options;
        options.bindings = &bindings;
        auto l = jit::lower(make_program({mov64(0, 100), Alu{op, is64, Reg{0}, Imm{imm}}, exit_insn()}),
                            verifier::Facts{}, options);
        REQUIRE(l.has_value());
        return l->slots[1];
    };
    CHECK((lowered_div(AluOp::Div, true, 7).division >= 0));
    CHECK(lowered_div(AluOp::SMod, false, -7).division >= 0);
    const auto pow2 = lowered_div(AluOp::Div, true, 16);
    CHECK(pow2.division < 0);
    CHECK(std::get<Alu>(pow2.insn).op == AluOp::Rsh);
    CHECK(std::get<Alu>(lowered_div(AluOp::Mod, false, 16).insn).op == AluOp::And);
    CHECK_FALSE(lowered_div(AluOp::Div, true, 1).emit);
    CHECK(std::get<Alu>(lowered_div(AluOp::Mod, true, 1).insn).op == AluOp::Mov);
    // A signed power of two still needs its rounding: a plan.
    CHECK(lowered_div(AluOp::SDiv, true, 8).division >= 0);
}
