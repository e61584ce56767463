// Dead code (Facts::reachable false) emits nothing, as the kernel's opt_remove_dead_code:
// the JIT accepts every program the verifier accepts whose dead slots would, read as
// live, fall off a subprogram's end. From fuzz finding jit_refuses_dead_subprogram (a
// subprogram called only behind a branch the verifier decides; ~4% of fuzz inputs).
// Each program runs under the verifier's Facts on the host backend against the
// interpreter, and is assembled by the ARM64 backend too.
#include <catch2/catch.hpp>

#include <array>

#include "helpers/helper_table.hpp"
#include "isa/assembler.hpp"
#include "jit/arm64/compile.hpp"
#include "jit/compiler.hpp"
#include "jit/lowering.hpp"
#include "program_builder.hpp"
#include "runtime/interpreter.hpp"
#include "verifier/verifier.hpp"
#include "runtime/run/native_run.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

struct DeadCase {
    const char* name;
    const char* text;
    uint32_t dead_slot; // one slot the verifier must find dead
    uint64_t r0;
};

const DeadCase kCases[] = {
    // The local call sits behind a branch that is always taken: the callee is never
    // entered, so none of its slots is reachable (the old check found no live slot in it).
    {"dead_subprogram", R"(
        mov %r0, 5
        jeq %r0, 5, skip
        call local dead
    skip:
        exit
    dead:
        mov %r0, 7
        add %r0, 1
        exit)", 4, 5},
    // The subprogram's dead tail ends in an LDDW then exit (the old search stopped at the
    // dead second slot).
    {"dead_lddw_tail", R"(
        mov %r0, 1
        jne %r0, 1, dead
        exit
    dead:
        lddw %r0, 0x100000000
        exit)", 3, 1},
    // The last live slot is a conditional jump whose fall-through is dead (the kernel
    // hard-wires it into a goto): it never falls off.
    {"dead_fall_through", R"(
        mov %r0, 9
        ja test
    out:
        exit
    test:
        jeq %r0, 9, out
        exit)", 4, 9},
    // Both: a dead subprogram whose call is behind a decided branch, and a dead LDDW in it.
    {"dead_subprogram_with_lddw", R"(
        mov %r0, 2
        mov %r1, 3
        jgt %r0, %r1, call
        exit
    call:
        call local dead
        exit
    dead:
        lddw %r0, 0x200000000
        exit)", 4, 2},
};

verifier::VerifierInput mem_input() {
    verifier::VerifierInput input;
    input.type = ProgramType::Mem;
    input.level = verifier::Level::Full;
    input.helpers = &helpers::HelperTable::builtin();
    return input;
}

} // namespace

TEST_CASE("dead slots emit nothing: verified programs with dead subprograms and tails compile", "[jit][dead]") {
    const helpers::ProgramBindings bindings = test_bindings();
    for (const DeadCase& c : kCases) {
        INFO(c.name);
        auto program = isa::assemble(c.text);
        REQUIRE(program);
        auto facts = verifier::verify(*program, mem_input());
        REQUIRE(facts);
        REQUIRE(facts->reachable.size() == program->size());
        CHECK_FALSE(facts->reachable[c.dead_slot]);

        std::array<uint8_t, 16> mem{};
        auto expected = runtime::Interpreter(*program, bindings).run_mem(mem);
        REQUIRE(expected);
        CHECK(*expected == c.r0);

        auto compiled = jit::compile(*program, *facts, bindings);
        INFO((compiled ? std::string("compiled") : compiled.error().message));
        REQUIRE(compiled);
        auto r0 = runtime::run_native_mem(*compiled, mem);
        REQUIRE(r0);
        CHECK(*r0 == c.r0);

        jit::LoweringOptions options;
        options.bindings = &bindings;
        options.program_type = ProgramType::Mem;
        auto lowered = jit::lower(*program, *facts, options);
        REQUIRE(lowered);
        auto arm64 = jit::arm64::assemble(*lowered);
        INFO((arm64 ? std::string("assembled") : arm64.error().message));
        CHECK(arm64);
    }
}

TEST_CASE("a callback handed to a helper only behind a decided branch emits nothing", "[jit][dead]") {
    // As fuzz input jit_refuses_dead_subprogram/xdp_18497: the LDDW src 4 and the bpf_loop
    // call are dead, so the callback subprogram (slots 10-11) is never entered.
    std::vector<Instruction> v{mov64(0, 5), jcc(Cond::Eq, 0, 5, 9)};
    lddw(v, 2, 7, LddwKind::CodeAddr); // slot 2 + 1 + 7 = 10
    v.insert(v.end(), {mov64(1, 1), mov64(3, 0), mov64(4, 0), call_helper(181), mov64(0, 0), exit_insn(),
                       mov64(0, 0), exit_insn()});
    Program p = make_program(v);
    p.subprogram_starts = {0, 10};
    verifier::VerifierInput input;
    input.type = ProgramType::Mem;
    input.helpers = &helpers::HelperTable::builtin();
    auto facts = verifier::verify(p, input);
    INFO((facts ? std::string("verified") : facts.error().message));
    REQUIRE(facts);
    CHECK_FALSE(facts->reachable[2]);
    CHECK_FALSE(facts->reachable[10]);
    const helpers::ProgramBindings bindings = test_bindings();
    auto compiled = jit::compile(p, *facts, bindings);
    INFO((compiled ? std::string("compiled") : compiled.error().message));
    REQUIRE(compiled);
    std::array<uint8_t, 8> mem{};
    auto r0 = runtime::run_native_mem(*compiled, mem);
    REQUIRE(r0);
    CHECK(*r0 == 5);
    jit::LoweringOptions options;
    options.bindings = &bindings;
    options.program_type = ProgramType::Mem;
    auto lowered = jit::lower(p, *facts, options);
    REQUIRE(lowered);
    CHECK(jit::arm64::assemble(*lowered));
}

TEST_CASE("a live slot that falls off its subprogram is still refused", "[jit][dead]") {
    const helpers::ProgramBindings bindings = test_bindings();
    // Slot 1, a conditional jump, is the subprogram's last slot and live: its fall-through
    // would leave the program. (Hand-made Facts: the verifier rejects such a program.)
    Program p = make_program({mov64(0, 1), jcc(Cond::Eq, 0, 1, 0)});
    verifier::Facts facts;
    facts.reachable = {true, true};
    auto compiled = jit::compile(p, facts, bindings);
    REQUIRE_FALSE(compiled);
    CHECK(compiled.error().insn == 1u);
    CHECK(compiled.error().message.find("fall off") != std::string::npos);
    // A dead LDDW ending a subprogram whose live part ends in exit is fine; a live one is not.
    std::vector<Instruction> v{mov64(0, 1), exit_insn()};
    lddw(v, 0, 0x100000000ull);
    Program q = make_program(v);
    verifier::Facts dead;
    dead.reachable = {true, true, false, false};
    CHECK(jit::compile(q, dead, bindings));
    verifier::Facts live;
    live.reachable = {true, true, true, false};
    auto refused = jit::compile(q, live, bindings);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().insn == 3u);
}
