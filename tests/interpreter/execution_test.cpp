// Instructions run through the interpreter: operand forms, loads, atomics, LDDW, LD_ABS.
#include <catch2/catch.hpp>

#include <array>
#include <cstring>

#include "program_builder.hpp"
#include "engine_abi/execution_state.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {
uint64_t run_ok(const Program& p, std::span<uint8_t> mem = {}) {
    auto r0 = run_mem(p, mem);
    INFO((r0 ? std::string() : r0.error().to_string()));
    REQUIRE(r0.has_value());
    return *r0;
}
} // namespace

TEST_CASE("immediates: sign-extended for ALU64, 32 bits for ALU32") {
    CHECK(run_ok(make_program({mov(0, imm(-1)), exit_()})) == ~uint64_t{0});
    CHECK(run_ok(make_program({alu32(AluOp::Mov, 0, imm(-1)), exit_()})) == 0xffffffffull);
    // 64-bit unsigned division by imm -1 divides by 2^64 - 1.
    CHECK(run_ok(make_program({mov(0, imm(-2)), alu64(AluOp::Div, 0, imm(-1)), exit_()})) == 0);
    // ALU32 on a register with high bits set clears them.
    std::vector<Instruction> v;
    add_lddw(v, 0, 0xdeadbeef00000001ull);
    v.push_back(alu32(AluOp::Add, 0, imm(1)));
    v.push_back(exit_());
    CHECK(run_ok(make_program(v)) == 2);
}

TEST_CASE("mod by zero through registers keeps dst, 32-bit form zero-extends it") {
    std::vector<Instruction> v;
    add_lddw(v, 0, 0xffffffff00000007ull);
    v.push_back(mov(1, imm(0)));
    v.push_back(alu64(AluOp::Mod, 0, r(1)));
    v.push_back(exit_());
    CHECK(run_ok(make_program(v)) == 0xffffffff00000007ull);
    v[3] = alu32(AluOp::Mod, 0, r(1));
    CHECK(run_ok(make_program(v)) == 7);
}

TEST_CASE("ldx and ldsx at every width") {
    std::array<uint8_t, 8> mem{0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87};
    auto load = [&](Size size, bool sx) {
        return run_ok(make_program({Load{size, sx, r(0), r(1), 0}, exit_()}), mem);
    };
    CHECK(load(Size::B, false) == 0x80);
    CHECK(load(Size::H, false) == 0x8180);
    CHECK(load(Size::W, false) == 0x83828180);
    CHECK(load(Size::DW, false) == 0x8786858483828180ull);
    CHECK(load(Size::B, true) == 0xffffffffffffff80ull);
    CHECK(load(Size::H, true) == 0xffffffffffff8180ull);
    CHECK(load(Size::W, true) == 0xffffffff83828180ull);
}

TEST_CASE("stores: immediate truncated to the width, register at every width") {
    std::array<uint8_t, 8> mem{};
    run_ok(make_program({Store{Size::DW, r(1), 0, imm(-2)}, mov(0, imm(0)), exit_()}), mem);
    uint64_t v = 0;
    std::memcpy(&v, mem.data(), 8);
    CHECK(v == 0xfffffffffffffffeull);
    mem.fill(0);
    run_ok(make_program({mov(2, imm(0x1234)), Store{Size::B, r(1), 1, r(2)}, exit_()}), mem);
    CHECK(mem[0] == 0);
    CHECK(mem[1] == 0x34);
    CHECK(mem[2] == 0);
}

TEST_CASE("byte swaps through the interpreter") {
    std::vector<Instruction> v;
    add_lddw(v, 0, 0x0123456789abcdefull);
    v.push_back(Endian{EndianOp::Swap, 32, r(0)});
    v.push_back(exit_());
    CHECK(run_ok(make_program(v)) == 0xefcdab89);
    v[2] = Endian{EndianOp::ToBe, 16, r(0)};
    CHECK(run_ok(make_program(v)) == 0xefcd);
    v[2] = Endian{EndianOp::ToLe, 64, r(0)};
    CHECK(run_ok(make_program(v)) == 0x0123456789abcdefull);
}

TEST_CASE("atomics: add/or/and/xor with and without fetch, xchg") {
    alignas(8) std::array<uint8_t, 8> mem{};
    auto run_atomic = [&](AtomicOp op, bool fetch, bool is64, uint64_t initial, int32_t operand) {
        std::memcpy(mem.data(), &initial, 8);
        auto p = make_program({mov(2, imm(operand)), Atomic{op, fetch, is64, r(1), 0, r(2)},
                               mov(0, r(2)), exit_()});
        return run_ok(p, mem);
    };
    auto memory = [&] {
        uint64_t v;
        std::memcpy(&v, mem.data(), 8);
        return v;
    };
    CHECK(run_atomic(AtomicOp::Add, false, true, 40, 2) == 2); // no fetch: src unchanged
    CHECK(memory() == 42);
    CHECK(run_atomic(AtomicOp::Add, true, true, 40, 2) == 40);
    CHECK(memory() == 42);
    CHECK(run_atomic(AtomicOp::Or, true, true, 0xf0, 0x0f) == 0xf0);
    CHECK(memory() == 0xff);
    CHECK(run_atomic(AtomicOp::And, true, true, 0xf0, 0x3c) == 0xf0);
    CHECK(memory() == 0x30);
    CHECK(run_atomic(AtomicOp::Xor, true, true, 0xff, 0x0f) == 0xff);
    CHECK(memory() == 0xf0);
    CHECK(run_atomic(AtomicOp::Xchg, true, true, 7, 9) == 7);
    CHECK(memory() == 9);
    // 32-bit: only the low word changes; the fetched old value is zero-extended.
    CHECK(run_atomic(AtomicOp::Add, true, false, 0xaaaaaaaaffffffffull, 1) == 0xffffffffull);
    CHECK(memory() == 0xaaaaaaaa00000000ull);
    CHECK(run_atomic(AtomicOp::Xchg, true, false, 0x1111111122222222ull, -1) == 0x22222222ull);
    CHECK(memory() == 0x11111111ffffffffull);
}

TEST_CASE("cmpxchg: both outcomes, both widths") {
    alignas(8) std::array<uint8_t, 8> mem{};
    auto cmpxchg = [&](bool is64, uint64_t initial, int32_t expected, int32_t desired) {
        std::memcpy(mem.data(), &initial, 8);
        auto p = make_program({mov(0, imm(expected)), mov(2, imm(desired)),
                               Atomic{AtomicOp::CmpXchg, true, is64, r(1), 0, r(2)}, exit_()});
        uint64_t r0 = run_ok(p, mem);
        uint64_t now;
        std::memcpy(&now, mem.data(), 8);
        return std::pair{r0, now};
    };
    CHECK(cmpxchg(true, 5, 5, 9) == std::pair<uint64_t, uint64_t>{5, 9});  // equal: swapped
    CHECK(cmpxchg(true, 5, 6, 9) == std::pair<uint64_t, uint64_t>{5, 5});  // differs: kept
    // 32-bit compares the low half of r0 and zero-extends the old value into r0.
    CHECK(cmpxchg(false, 0x77777777ffffffffull, -1, 3) ==
          std::pair<uint64_t, uint64_t>{0xffffffffull, 0x7777777700000003ull});
    CHECK(cmpxchg(false, 0x7777777700000004ull, 5, 3) ==
          std::pair<uint64_t, uint64_t>{4, 0x7777777700000004ull});
}

TEST_CASE("misaligned atomics are rejected") {
    alignas(8) std::array<uint8_t, 16> mem{};
    auto p = make_program({mov(2, imm(1)), Atomic{AtomicOp::Add, false, true, r(1), 4, r(2)}, exit_()});
    auto r0 = run_mem(p, mem);
    REQUIRE_FALSE(r0);
    CHECK(r0.error().insn == 1u);
    CHECK_THAT(r0.error().message, Catch::Contains("misaligned"));
}

TEST_CASE("jumps: taken and not taken, JMP32 on the low half") {
    std::vector<Instruction> v;
    add_lddw(v, 1, 0x100000005ull);
    v.push_back(mov(0, imm(1)));
    v.push_back(Jump{Cond::Eq, true, r(1), imm(5), 5}); // taken: low half is 5
    v.push_back(mov(0, imm(2)));
    v.push_back(Jump{Cond::Eq, false, r(1), imm(5), 7}); // not taken in 64 bits
    v.push_back(alu64(AluOp::Add, 0, imm(10)));
    v.push_back(exit_());
    CHECK(run_ok(make_program(v)) == 11);
}

TEST_CASE("LDDW forms") {
    SECTION("map pointer and direct map value") {
        std::array<uint8_t, 16> value{};
        value[4] = 0x5a;
        helpers::ProgramBindings b;
        b.maps.push_back({nullptr, value.data(), static_cast<uint32_t>(value.size())});
        std::vector<Instruction> v{LoadImm64{r(1), LddwKind::MapValue, 0, 4}, LddwSecondSlot{},
                                   Load{Size::B, false, r(0), r(1), 0}, exit_()};
        auto r0 = run_mem(make_program(v), {}, {}, b);
        REQUIRE(r0);
        CHECK(*r0 == 0x5a);
        // The value region ends at 16 bytes: an offset of 16 is rejected at load time.
        v[0] = LoadImm64{r(1), LddwKind::MapValue, 0, 16};
        auto bad = run_mem(make_program(v), {}, {}, b);
        REQUIRE_FALSE(bad);
        CHECK(bad.error().insn == 0u);
        // A map index beyond the bindings.
        v[0] = LoadImm64{r(1), LddwKind::MapFd, 3, 0};
        auto missing = run_mem(make_program(v), {}, {}, b);
        REQUIRE_FALSE(missing);
        CHECK_THAT(missing.error().message, Catch::Contains("map 3"));
    }
    SECTION("unsupported and bad forms name the instruction") {
        // src 3 is unsupported; src 4 (callbacks, tests/callbacks) must name a subprogram start.
        for (auto [kind, text] : {std::pair{LddwKind::VariableAddr, "unsupported"},
                                  std::pair{LddwKind::CodeAddr, "not a subprogram start"}}) {
            std::vector<Instruction> v{mov(0, imm(0))};
            v.push_back(LoadImm64{r(1), kind, 1, 0});
            v.push_back(LddwSecondSlot{});
            v.push_back(exit_());
            auto r0 = run_mem(make_program(v));
            REQUIRE_FALSE(r0);
            CHECK(r0.error().insn == 1u);
            CHECK_THAT(r0.error().message, Catch::Contains(text));
        }
    }
}

TEST_CASE("LD_ABS / LD_IND read big-endian; out of range ends with r0 = 0") {
    std::array<uint8_t, 6> packet{0x11, 0x22, 0x33, 0x44, 0x55, 0x66};
    CHECK(run_ok(make_program({PacketLoad{Size::H, false, r(0), 1}, exit_()}), packet) == 0x2233);
    CHECK(run_ok(make_program({PacketLoad{Size::W, false, r(0), 2}, exit_()}), packet) == 0x33445566);
    CHECK(run_ok(make_program({mov(3, imm(4)), PacketLoad{Size::B, true, r(3), 1}, exit_()}), packet) == 0x66);
    // Out of range: the rest of the program does not run.
    CHECK(run_ok(make_program({PacketLoad{Size::W, false, r(0), 3}, mov(0, imm(7)), exit_()}), packet) == 0);
    CHECK(run_ok(make_program({mov(3, imm(-1)), PacketLoad{Size::B, true, r(3), 0}, mov(0, imm(7)), exit_()}),
                 packet) == 0);
}

TEST_CASE("the interpreter publishes ExecutionState during the run only") {
    static engine_abi::ExecutionState* seen = nullptr;
    static void* seen_ctx = nullptr;
    helpers::HelperTable table;
    table.add({1000, "probe", {}, kAllProgramTypes, [](uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) -> uint64_t {
                   seen = engine_abi::ExecutionState::current();
                   seen_ctx = seen ? seen->ctx : nullptr;
                   return 0;
               }});
    std::array<uint8_t, 4> mem{};
    helpers::ProgramBindings b;
    b.helpers = &table;
    auto r0 = run_mem(make_program({Call{CallKind::Helper, 1000, -1}, exit_()}), mem, {}, b);
    REQUIRE(r0);
    CHECK(seen != nullptr);
    CHECK(seen_ctx == mem.data());
    CHECK(engine_abi::ExecutionState::current() == nullptr);
}
