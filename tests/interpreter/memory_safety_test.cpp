// Every access outside the program's regions stops the run with an error that names the
// instruction, the address and the size, and host memory around the regions is untouched.
#include <catch2/catch.hpp>

#include <array>
#include <fmt/format.h>

#include "program_builder.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

TEST_CASE("out-of-bounds load stops the run and names the instruction") {
    std::array<uint8_t, 8> mem{};
    auto p = make_program({mov(0, imm(0)), Load{Size::W, false, r(0), r(1), 6}, exit_()});
    auto r0 = run_mem(p, mem);
    REQUIRE_FALSE(r0);
    CHECK(r0.error().insn == 1u);
    const auto addr = reinterpret_cast<uint64_t>(mem.data()) + 6;
    CHECK_THAT(r0.error().message, Catch::Contains("load") && Catch::Contains("4 bytes") &&
                                       Catch::Contains(fmt::format("{:#x}", addr)));
    CHECK_THAT(r0.error().to_string(), Catch::StartsWith("insn 1: "));
    CHECK_THAT(r0.error().message, Catch::Contains("`r0 = *(u32 *)(r1 + 6)`"));
}

TEST_CASE("out-of-bounds store stops the run before touching host memory") {
    // The program sees the middle 8 bytes of a 24-byte host buffer.
    std::array<uint8_t, 24> host{};
    host.fill(0xaa);
    std::span<uint8_t> mem(host.data() + 8, 8);
    for (int16_t off : {int16_t{-1}, int16_t{5}, int16_t{8}}) {
        auto p = make_program({mov(2, imm(0)), Store{Size::W, r(1), off, r(2)}, exit_()});
        auto r0 = run_mem(p, mem);
        REQUIRE_FALSE(r0);
        CHECK(r0.error().insn == 1u);
        CHECK_THAT(r0.error().message, Catch::Contains("store") && Catch::Contains("4 bytes"));
    }
    for (uint8_t b : host) CHECK(b == 0xaa);
    // The same store in bounds writes.
    auto ok = run_mem(make_program({mov(2, imm(0)), Store{Size::W, r(1), 4, r(2)}, exit_()}), mem);
    REQUIRE(ok);
    CHECK(host[12] == 0);
    CHECK(host[16] == 0xaa);
}

TEST_CASE("a read-only region refuses stores") {
    std::array<uint8_t, 8> bytes{};
    const runtime::MemoryRegion ro{reinterpret_cast<uint64_t>(bytes.data()), bytes.size(), false};
    auto p = make_program({Load{Size::DW, false, r(0), r(1), 0}, Store{Size::B, r(1), 0, imm(1)}, exit_()});
    runtime::Interpreter interp(p, {});
    auto r0 = interp.run(ro.start, ro.size, std::span(&ro, 1));
    REQUIRE_FALSE(r0);
    CHECK(r0.error().insn == 1u);
}

TEST_CASE("stack underflow and overflow") {
    SECTION("above r10 (underflow)") {
        auto r0 = run_mem(make_program({Load{Size::B, false, r(0), r(10), 0}, exit_()}));
        REQUIRE_FALSE(r0);
        CHECK(r0.error().insn == 0u);
    }
    SECTION("straddling the top") {
        auto r0 = run_mem(make_program({Store{Size::DW, r(10), -4, imm(0)}, exit_()}));
        REQUIRE_FALSE(r0);
    }
    SECTION("below the 512-byte frame (overflow)") {
        auto r0 = run_mem(make_program({Store{Size::B, r(10), -513, imm(0)}, exit_()}));
        REQUIRE_FALSE(r0);
        CHECK(r0.error().insn == 0u);
    }
    SECTION("the whole frame is usable") {
        auto r0 = run_mem(make_program({Store{Size::DW, r(10), -512, imm(3)},
                                        Load{Size::DW, false, r(0), r(10), -512}, exit_()}));
        REQUIRE(r0);
        CHECK(*r0 == 3);
    }
}

TEST_CASE("null and wrapping addresses are refused") {
    auto null_load = run_mem(make_program({mov(1, imm(0)), Load{Size::B, false, r(0), r(1), 0}, exit_()}));
    REQUIRE_FALSE(null_load);
    std::vector<Instruction> v;
    add_lddw(v, 1, ~uint64_t{0});
    v.push_back(Load{Size::DW, false, r(0), r(1), 0});
    v.push_back(exit_());
    auto wrap = run_mem(make_program(v));
    REQUIRE_FALSE(wrap);
    CHECK(wrap.error().insn == 2u);
}

TEST_CASE("instruction budget") {
    auto loop = make_program({mov(0, imm(0)), alu64(AluOp::Add, 0, imm(1)), Jump{Cond::Always, false, r(0), imm(0), 1}});
    runtime::InterpreterOptions options;
    options.instruction_budget = 100;
    auto r0 = run_mem(loop, {}, options);
    REQUIRE_FALSE(r0);
    CHECK(r0.error().message == "instruction budget of 100 exceeded");
    // Exactly within budget: 3 instructions.
    options.instruction_budget = 3;
    auto ok = run_mem(make_program({mov(0, imm(1)), mov(0, imm(2)), exit_()}), {}, options);
    REQUIRE(ok);
    CHECK(*ok == 2);
    options.instruction_budget = 2;
    CHECK_FALSE(run_mem(make_program({mov(0, imm(1)), mov(0, imm(2)), exit_()}), {}, options));
}

TEST_CASE("running off the end of the program is an error, not a crash") {
    auto r0 = run_mem(make_program({mov(0, imm(1))}));
    REQUIRE_FALSE(r0);
    CHECK(r0.error().insn == 1u);
}
