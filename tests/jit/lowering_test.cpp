// What jit::lower decides once for every backend.
#include <catch2/catch.hpp>

#include "jit/lowering.hpp"
#include "tests/jit/program_builder.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

TEST_CASE("labels go on jump targets, call targets and subprogram starts only", "[jit][lowering]") {
    auto p = make_program({mov64(0, 0), jcc(Cond::Eq, 0, 1, 3), call_local(4), exit_insn(),
                           mov64(0, 2), exit_insn()});
    auto l = jit::lower(p, {}, {});
    REQUIRE(l.has_value());
    std::vector<bool> labels;
    for (const auto& s : l->slots) labels.push_back(s.label);
    CHECK(labels == std::vector<bool>{true, false, false, true, true, false});
    REQUIRE(l->subprograms.size() == 2);
    CHECK(l->subprograms[1].start == 4);
    CHECK(l->slots[4].subprogram == 1);
    CHECK(l->max_frames == 2);
}

TEST_CASE("division fixups unless the verifier proved the divisor", "[jit][lowering]") {
    auto p = make_program({alu64r(AluOp::Div, 0, 1), alu64r(AluOp::SMod, 0, 1), alu64(AluOp::Div, 0, 7),
                           exit_insn()});
    auto plain = jit::lower(p, {}, {});
    REQUIRE(plain.has_value());
    CHECK(plain->slots[0].div == jit::DivFixup::ZeroCheck);
    CHECK(plain->slots[1].div == jit::DivFixup::ZeroAndMinusOne);
    CHECK(plain->slots[2].div == jit::DivFixup::None);
    verifier::Facts facts;
    facts.divisor_safe = {true, true, true, false};
    auto proven = jit::lower(p, facts, {});
    REQUIRE(proven.has_value());
    CHECK(proven->slots[0].div == jit::DivFixup::None);
    CHECK(proven->slots[1].div == jit::DivFixup::None);
}

TEST_CASE("canonical forms", "[jit][lowering]") {
    auto p = make_program({alu64(AluOp::Div, 1, 0), alu32(AluOp::Mod, 2, 0), alu64(AluOp::Mod, 3, 0),
                           alu64(AluOp::SDiv, 4, -1), alu32(AluOp::SMod, 5, -1), alu64(AluOp::Lsh, 6, 70),
                           Endian{EndianOp::ToLe, 64, Reg{7}}, Endian{EndianOp::ToBe, 32, Reg{7}},
                           mov64r(8, 8), jmp(10), exit_insn()});
    auto l = jit::lower(p, {}, {});
    REQUIRE(l.has_value());
    const auto& s = l->slots;
    CHECK(std::get<Alu>(s[0].insn) == Alu{AluOp::Mov, true, Reg{1}, Imm{0}});
    CHECK(std::get<Alu>(s[1].insn) == Alu{AluOp::Mov, false, Reg{2}, Reg{2}}); // zero-extends
    CHECK_FALSE(s[2].emit);                                                    // dst unchanged
    CHECK(std::get<Alu>(s[3].insn).op == AluOp::Neg);
    CHECK(std::get<Alu>(s[4].insn) == Alu{AluOp::Mov, false, Reg{5}, Imm{0}});
    CHECK(std::get<Alu>(s[5].insn) == Alu{AluOp::Lsh, true, Reg{6}, Imm{70 & 63}});
    CHECK_FALSE(s[6].emit);
    CHECK(std::get<Endian>(s[7].insn).op == EndianOp::Swap);
    CHECK_FALSE(s[8].emit);
    CHECK_FALSE(s[9].emit); // ja +0
}

TEST_CASE("dead slots are not emitted; register facts", "[jit][lowering]") {
    auto p = make_program({mov64(6, 1), mov64(1, 2), call_local(5), alu64r(AluOp::Add, 0, 6), exit_insn(),
                           mov64(0, 3), exit_insn()});
    verifier::Facts facts;
    facts.reachable = {true, true, true, true, true, true, true};
    auto l = jit::lower(p, facts, {});
    REQUIRE(l.has_value());
    CHECK(l->live_across_calls == (1u << 6)); // r6 is read after the call
    CHECK((l->regs_used & (1u << 7)) == 0);
    CHECK(l->subprograms[0].regs_written & (1u << 6));
    facts.reachable[1] = false;
    auto dead = jit::lower(p, facts, {});
    REQUIRE(dead.has_value());
    CHECK_FALSE(dead->slots[1].emit);
    auto compiled = jit::compile(p, facts, test_bindings());
    REQUIRE(compiled.has_value());
    CHECK(compiled->slot_offsets()[1] == jit::kNoNativeCode);
}

TEST_CASE("LDDW map forms resolve through the bindings", "[jit][lowering]") {
    std::vector<uint8_t> global(16, 0);
    helpers::ProgramBindings bindings{&test_helpers(), {helpers::MapBinding{nullptr, global.data(), 16}}};
    jit::LoweringOptions options;
    options.bindings = &bindings;
    std::vector<Instruction> v;
    v.push_back(LoadImm64{Reg{1}, LddwKind::MapValue, 0, 8});
    v.push_back(LddwSecondSlot{});
    v.push_back(exit_insn());
    auto l = jit::lower(make_program(v), {}, options);
    REQUIRE(l.has_value());
    CHECK(l->slots[0].constant == reinterpret_cast<uint64_t>(global.data() + 8));
    v[0] = LoadImm64{Reg{1}, LddwKind::MapValue, 1, 0};
    auto missing = jit::lower(make_program(v), {}, options);
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().insn == 0u);
    v[0] = LoadImm64{Reg{1}, LddwKind::MapFd, 0, 0};
    auto unbound = jit::lower(make_program(v), {}, options);
    REQUIRE_FALSE(unbound.has_value());
}

TEST_CASE("pair fusions: branch over goto, mov + add", "[jit][lowering]") {
    // 0: r2 = 0; 1: r3 = r1; 2: r3 += r2; 3: r2 += 1; 4: if r2 == 5 goto +1; 5: goto 1;
    // 6: r0 = r10; 7: r0 += -8; 8: r0 = r3; 9: r0 += r0 (means r3 + r3); 10: exit
    auto p = make_program({mov64(2, 0), mov64r(3, 1), alu64r(AluOp::Add, 3, 2), alu64(AluOp::Add, 2, 1),
                           jcc(Cond::Eq, 2, 5, 6), jmp(1), mov64r(0, 10), alu64(AluOp::Add, 0, -8),
                           mov64r(0, 3), alu64r(AluOp::Add, 0, 0), exit_insn()});
    auto l = jit::lower(p, {}, {});
    REQUIRE(l.has_value());
    const auto& s = l->slots;
    CHECK(s[1].add_fused);
    CHECK(s[2].fused_add);
    CHECK(s[2].emit); // a backend ignoring the flags still emits the add
    CHECK(std::get<Jump>(s[4].insn).cond == Cond::Ne);
    CHECK(std::get<Jump>(s[4].insn).target == 1);
    CHECK_FALSE(s[5].emit);
    CHECK(s[6].add_fused);
    CHECK(s[8].add_fused);
    // r1 = 0 here: the last iteration leaves r3 = 4, and r0 = r3 + r3
    auto r = jit_run(p);
    REQUIRE(r.has_value());
    CHECK(*r == 8);
}

TEST_CASE("a label on the second slot blocks fusion", "[jit][lowering]") {
    // 0: r0 = r1; 1: r0 += 1 (target of 3); 2: exit; 3: goto 1
    auto p = make_program({mov64r(0, 1), jcc(Cond::Eq, 1, 0, 3), alu64(AluOp::Add, 0, 1), exit_insn(),
                           jmp(2)});
    auto l = jit::lower(p, {}, {});
    REQUIRE(l.has_value());
    CHECK_FALSE(l->slots[0].add_fused);
    CHECK_FALSE(l->slots[2].fused_add);
}
