// Division by a constant on ARM64: multiply-high sequences in the listing on any host;
// on AArch64 (qemu in `make test-arm64`) every divisor class against the interpreter.
#include <cstring>
#include <random>

#include "arm64_program.hpp"
#include "runtime/interpreter.hpp"
#include "runtime/run/native_run.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {
bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }
} // namespace

TEST_CASE("arm64: division by a constant is a multiply-high, never udiv/sdiv") {
    const std::string u64 = arm64_listing(make_program({alu64(AluOp::Div, 0, 7), exit_insn()}));
    CHECK(has(u64, "umulh x15, x7, x9"));
    CHECK_FALSE(has(u64, "udiv"));
    const std::string s32 = arm64_listing(make_program({alu32(AluOp::SMod, 0, -7), exit_insn()}));
    CHECK(has(s32, "smull x15, w7, w9"));
    CHECK(has(s32, "msub w7, w15, w9, w7"));
    CHECK_FALSE(has(s32, "sdiv"));
    // The add form (2^64 / 7 needs 65 bits of multiplier) adds the halved difference back:
    // add x15, x15, x9, lsr #1 (asmjit's listing prints the shift as a bare amount).
    CHECK(has(u64, "add x15, x15, x9, 1"));
    CHECK(has(u64, "EF05498B"));
}

#if defined(__aarch64__)
TEST_CASE("arm64: division by a constant matches the interpreter") {
    const helpers::ProgramBindings bindings = test_bindings();
    std::mt19937_64 rng(64);
    const int32_t imms[] = {2, 3, 7, 10, 641, 1 << 30, INT32_MAX, INT32_MIN, -2, -3, -7, -1000, 0x55555555, 1, -1};
    for (AluOp op : {AluOp::Div, AluOp::Mod, AluOp::SDiv, AluOp::SMod})
        for (bool is64 : {false, true})
            for (int32_t imm : imms) {
                const Program p = make_program({ldx(Size::DW, 0, 1, 0), Alu{op, is64, Reg{0}, Imm{imm}}, exit_insn()});
                auto lowered = lower_for_test(p, bindings);
                REQUIRE(lowered.has_value());
                auto compiled = jit::arm64::compile(*lowered, {});
                REQUIRE(compiled.has_value());
                for (int i = 0; i < 64; ++i) {
                    uint64_t x = i < 8 ? (uint64_t{1} << 63) - 4 + static_cast<uint64_t>(i) : rng() >> (rng() % 64);
                    if (i % 3 == 0) x = static_cast<uint64_t>(-static_cast<int64_t>(x));
                    uint8_t mem[8];
                    std::memcpy(mem, &x, 8);
                    auto got = runtime::run_native_mem(*compiled, mem);
                    auto want = runtime::Interpreter(p, bindings).run_mem(mem);
                    REQUIRE(got.has_value());
                    REQUIRE(want.has_value());
                    INFO("op " << static_cast<int>(op) << " 64 " << is64 << " imm " << imm << " x " << x);
                    CHECK(*got == *want);
                }
            }
}
#endif
