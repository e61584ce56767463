// Jumps of every width, local calls, helper calls, callx, program sizes.
#include <catch2/catch.hpp>

#include "jit/compiler.hpp"
#include "tests/jit/program_builder.hpp"
#include "runtime/run/native_run.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

// if r1 == 0 goto over; <padding ALU ops>; over: r0 = padding-count; exit.
// The padding makes the jump short (few ops) or near (many).
Program jump_over(int padding, Cond cond, bool is32) {
    std::vector<Instruction> v;
    v.push_back(mov64(0, 0));
    v.push_back(mov64(1, 0));
    const int32_t target = 3 + padding;
    v.push_back(Jump{cond, is32, Reg{1}, Imm{0}, target});
    for (int i = 0; i < padding; ++i) v.push_back(alu64(AluOp::Add, 0, 1));
    v.push_back(alu64(AluOp::Add, 0, 1000));
    v.push_back(exit_insn());
    return make_program(v);
}

// A backward loop: r0 counts up to n over `padding` filler ops per iteration.
Program loop_back(int padding, int n) {
    std::vector<Instruction> v;
    v.push_back(mov64(0, 0));
    v.push_back(mov64(2, 0));
    const int32_t head = 2;
    for (int i = 0; i < padding; ++i) v.push_back(alu64(AluOp::Xor, 3, i));
    v.push_back(alu64(AluOp::Add, 0, 1));
    v.push_back(jcc(Cond::Lt, 0, n, head));
    v.push_back(exit_insn());
    return make_program(v);
}

} // namespace

TEST_CASE("forward and backward jumps of every width", "[jit][jumps]") {
    for (int padding : {0, 1, 10, 30, 31, 32, 33, 40, 200, 5000}) {
        INFO("padding " << padding);
        for (bool is32 : {false, true}) {
            auto taken = jit_run(jump_over(padding, Cond::Eq, is32));
            REQUIRE(taken.has_value());
            CHECK(*taken == 1000);
            auto not_taken = jit_run(jump_over(padding, Cond::Ne, is32));
            REQUIRE(not_taken.has_value());
            CHECK(*not_taken == static_cast<uint64_t>(padding) + 1000);
        }
        auto loop = jit_run(loop_back(padding, 7));
        REQUIRE(loop.has_value());
        CHECK(*loop == 7);
    }
}

TEST_CASE("short jumps are chosen where they fit", "[jit][jumps]") {
    auto size_of = [](int padding) {
        auto c = jit::compile(jump_over(padding, Cond::Eq, false), {}, test_bindings());
        REQUIRE(c.has_value());
        auto offs = c->slot_offsets();
        return offs[3] - offs[2]; // the cmp + jcc of slot 2
    };
#if defined(__x86_64__)
    // cmp r64, imm8 is 4 bytes; jcc rel8 is 2, rel32 is 6.
    CHECK(size_of(1) == 4 + 2);
    CHECK(size_of(5000) == 4 + 6);
#else
    // A64: cmp and b.cond are one fixed-size word each at any distance (tests/jit_arm64
    // checks the imm19 reach).
    CHECK(size_of(1) == 8);
    CHECK(size_of(5000) == 8);
#endif
}

TEST_CASE("every condition, 64 and 32 bit, register and immediate", "[jit][jumps]") {
    struct Case { Cond c; uint64_t a, b; bool expect64, expect32; };
    const uint64_t neg1 = ~0ull;
    const Case cases[] = {
        {Cond::Eq, 5, 5, true, true},         {Cond::Eq, 0x100000005ull, 5, false, true},
        {Cond::Ne, 5, 6, true, true},         {Cond::Gt, neg1, 1, true, true},
        {Cond::Ge, 1, 1, true, true},         {Cond::Lt, 1, neg1, true, true},
        {Cond::Le, 2, 1, false, false},       {Cond::SGt, 1, neg1, true, true},
        {Cond::SGe, neg1, neg1, true, true},  {Cond::SLt, neg1, 0, true, true},
        {Cond::SLe, 0x80000000ull, 0, false, true}, {Cond::Set, 6, 2, true, true},
        {Cond::Set, 0x100000000ull, 0x100000000ull, true, false},
    };
    for (const Case& k : cases) {
        for (bool is32 : {false, true}) {
            for (bool imm : {false, true}) {
                if (imm && (k.b >> 31) != 0 && (k.b >> 31) != 0x1ffffffffull) continue; // not an imm32
                std::vector<Instruction> v;
                lddw(v, 1, k.a);
                lddw(v, 2, k.b);
                v.push_back(mov64(0, 1));
                const int32_t target = static_cast<int32_t>(v.size()) + 2;
                if (imm) v.push_back(Jump{k.c, is32, Reg{1}, Imm{static_cast<int32_t>(k.b)}, target});
                else v.push_back(Jump{k.c, is32, Reg{1}, Reg{2}, target});
                v.push_back(mov64(0, 0));
                v.push_back(exit_insn());
                auto r = jit_run(make_program(v));
                REQUIRE(r.has_value());
                INFO("cond " << int(k.c) << " is32 " << is32 << " imm " << imm);
                CHECK(*r == ((is32 ? k.expect32 : k.expect64) ? 1u : 0u));
            }
        }
    }
}

TEST_CASE("helper calls receive r1-r5 and keep r6-r9", "[jit][calls]") {
    std::vector<Instruction> v;
    for (uint8_t r = 1; r <= 9; ++r) v.push_back(mov64(r, r * 10));
    v.push_back(call_helper(1000));
    for (uint8_t r = 6; r <= 9; ++r) v.push_back(alu64r(AluOp::Add, 0, r));
    v.push_back(exit_insn());
    auto r = jit_run(make_program(v));
    REQUIRE(r.has_value());
    CHECK(*r == 10 + 2 * 20 + 3 * 30 + 4 * 40 + 5 * 50 + 60 + 70 + 80 + 90);
}

TEST_CASE("unknown helpers and kfuncs are compile errors naming the instruction", "[jit][calls]") {
    auto c = jit::compile(make_program({mov64(0, 0), call_helper(999), exit_insn()}), {}, test_bindings());
    REQUIRE_FALSE(c.has_value());
    CHECK(c.error().insn == 1u);
    CHECK(c.error().message.find("999") != std::string::npos);
    auto k = jit::compile(make_program({Call{CallKind::Kfunc, 7, -1}, exit_insn()}), {}, test_bindings());
    REQUIRE_FALSE(k.has_value());
    CHECK(k.error().insn == 0u);
    std::vector<Instruction> v;
    lddw(v, 0, 0, LddwKind::VariableAddr);
    v.push_back(exit_insn());
    auto var = jit::compile(make_program(v), {}, test_bindings());
    REQUIRE_FALSE(var.has_value());
    CHECK(var.error().insn == 0u);
}

TEST_CASE("callx calls the helper named by a register; unknown ids stop the run", "[jit][calls]") {
    std::vector<Instruction> v{mov64(1, 1), mov64(2, 0), mov64(3, 0), mov64(4, 0), mov64(5, 0),
                               mov64(7, 1000), CallX{Reg{7}}, exit_insn()};
    auto r = jit_run(make_program(v));
    REQUIRE(r.has_value());
    CHECK(*r == 1);
    v[5] = mov64(7, 999);
    auto bad = jit_run(make_program(v));
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().insn == 6u);
    v[5] = mov64(7, -1);
    auto negative = jit_run(make_program(v));
    REQUIRE_FALSE(negative.has_value());
}

namespace {

// Subprogram i (i = 1..depth-1) calls i+1; the last returns 1; each adds 1 on the way back
// and keeps its own r6 and a value on its stack.
Program call_chain(int frames) {
    std::vector<Instruction> v;
    // entry: r6 = 100; store 7 at r10-8; call sub1; r0 += r6; r0 += *(r10-8); exit
    v.push_back(mov64(6, 100));
    v.push_back(Store{Size::DW, Reg{10}, -8, Imm{7}});
    v.push_back(call_local(6));
    v.push_back(alu64r(AluOp::Add, 0, 6));
    v.push_back(ldx(Size::DW, 1, 10, -8));
    v.push_back(alu64r(AluOp::Add, 0, 1));
    v.push_back(exit_insn());
    v.pop_back(); // rebuild with the right layout below
    v.push_back(exit_insn()); // slot 6 is exit; subprograms start at 7
    v[2] = call_local(7);
    for (int i = 1; i < frames; ++i) {
        const auto start = static_cast<int32_t>(v.size());
        if (i + 1 < frames) {
            v.push_back(mov64(6, i));                              // clobber r6 (callee-saved)
            v.push_back(Store{Size::DW, Reg{10}, -8, Imm{i}});
            v.push_back(call_local(start + 7));
            v.push_back(alu64(AluOp::Add, 0, 1));
            v.push_back(ldx(Size::DW, 2, 10, -8));                  // own frame intact
            v.push_back(alu64r(AluOp::Sub, 0, 2));
            v.push_back(alu64(AluOp::Add, 0, i));
            v.push_back(exit_insn());
            v.pop_back();
            v.push_back(exit_insn());
            // 8 slots: fix the call target to the next subprogram start.
            v[static_cast<size_t>(start) + 2] = call_local(start + 8);
        } else {
            v.push_back(mov64(6, 55));
            v.push_back(mov64(0, 1));
            v.push_back(exit_insn());
        }
    }
    return make_program(v);
}

} // namespace

TEST_CASE("local calls: 8 frames run, 9 are rejected at compile time", "[jit][calls]") {
    for (int frames = 2; frames <= 8; ++frames) {
        auto r = jit_run(call_chain(frames));
        REQUIRE(r.has_value());
        // innermost 1, +1 per returning intermediate frame, +100 (r6) + 7 (stack) in the entry.
        CHECK(*r == static_cast<uint64_t>(1 + (frames - 2) + 100 + 7));
    }
    auto deep = jit::compile(call_chain(9), {}, test_bindings());
    REQUIRE_FALSE(deep.has_value());
    REQUIRE(deep.error().insn.has_value());
    CHECK(deep.error().message.find("limit") != std::string::npos);
}

TEST_CASE("recursion and falling off the end are rejected", "[jit][calls]") {
    auto rec = jit::compile(make_program({call_local(2), exit_insn(), call_local(2), exit_insn()}), {},
                            test_bindings());
    REQUIRE_FALSE(rec.has_value());
    CHECK(rec.error().insn == 2u);
    auto off_end = jit::compile(make_program({mov64(0, 1)}), {}, test_bindings());
    REQUIRE_FALSE(off_end.has_value());
    CHECK(off_end.error().insn == 0u);
}

TEST_CASE("programs of 1 and of 100,000 instructions", "[jit][size]") {
    auto one = jit::compile(make_program({exit_insn()}), {}, test_bindings());
    REQUIRE(one.has_value());
    CHECK(one->code_size() > 0);
    REQUIRE(runtime::run_native(*one, 0, 0).has_value());

    std::vector<Instruction> v;
    v.push_back(mov64(0, 0));
    // Jumps over blocks of various lengths, so both widths appear in a big program.
    while (v.size() < 100'000 - 1) {
        const auto here = static_cast<int32_t>(v.size());
        if (here % 1000 == 1) v.push_back(jcc(Cond::Eq, 0, -1, std::min<int32_t>(here + 500, 99'998)));
        else v.push_back(alu64(AluOp::Add, 0, 1));
    }
    v.push_back(exit_insn());
    REQUIRE(v.size() == 100'000);
    auto big = jit::compile(make_program(v), {}, test_bindings());
    REQUIRE(big.has_value());
    auto r = runtime::run_native(*big, 0, 0);
    REQUIRE(r.has_value());
    CHECK(*r == 100'000 - 2 - 100);
}
