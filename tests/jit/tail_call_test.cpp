// Tail calls through a ProgArray: frame reuse, the 33-call limit, empty slots.
#include <catch2/catch.hpp>

#include <memory>

#include "jit/compiler.hpp"
#include "runtime/interpreter.hpp"
#include "runtime/maps/prog_array.hpp"
#include "tests/jit/program_builder.hpp"
#include "runtime/run/native_run.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

std::unique_ptr<maps::ProgArray> make_array(uint32_t n) {
    int err = 0;
    auto a = maps::ProgArray::create({maps::kMapTypeProgArray, 4, 8, n, 0, "progs", nullptr}, &err);
    REQUIRE(a);
    return a;
}

// Counts its own runs in the stack slot r10-8 (which tail calls must preserve), then tail
// calls prog_array[index] where index = r1's low byte: r0 = the count when it falls through.
Program counting_program(int32_t index) {
    std::vector<Instruction> v;
    v.push_back(ldx(Size::DW, 0, 10, -8));          // 0: r0 = count (0 on entry: see below)
    v.push_back(alu64(AluOp::Add, 0, 1));           // 1
    v.push_back(stx(Size::DW, 10, -8, 0));          // 2
    lddw(v, 2, 0, LddwKind::MapFd);                 // 3-4: r2 = the prog array
    v.push_back(mov64(3, index));                   // 5
    v.push_back(mov64r(6, 0));                      // 6: keep the count (r0 is clobbered)
    v.push_back(call_helper(12));                   // 7
    v.push_back(mov64r(0, 6));                      // 8: fell through
    v.push_back(exit_insn());                       // 9
    return make_program(v);
}

// Entry: zero the counter slot, then become counting_program.
Program entry_program(int32_t index) {
    std::vector<Instruction> v;
    v.push_back(Store{Size::DW, Reg{10}, -8, Imm{0}});
    lddw(v, 2, 0, LddwKind::MapFd);
    v.push_back(mov64(3, index));
    v.push_back(call_helper(12));
    v.push_back(mov64(0, -1)); // the first tail call must not fall through
    v.push_back(exit_insn());
    return make_program(v);
}

} // namespace

TEST_CASE("tail calls: 33 are taken, the 34th falls through", "[jit][tailcall]") {
    auto array = make_array(4);
    helpers::ProgramBindings bindings{&test_helpers(), {helpers::MapBinding{array.get(), nullptr, 0}}};
    // Slot 0: the counter program tail-calling itself; slot 1: empty.
    auto self = jit::compile(counting_program(0), {}, bindings);
    REQUIRE(self.has_value());
    array->set(0, self->tail_call_entry());
    auto entry = jit::compile(entry_program(0), {}, bindings);
    REQUIRE(entry.has_value());
    // The entry's tail call is #1; the counting program then runs 33 times and tail-calls
    // 32 more times (#2..#33); the 34th attempt falls through with count 33.
    auto r = runtime::run_native(*entry, 0, 0);
    REQUIRE(r.has_value());
    CHECK(*r == 33);
    // Twice in a row: the count is per run.
    auto again = runtime::run_native(*entry, 0, 0);
    REQUIRE(again.has_value());
    CHECK(*again == 33);
}

TEST_CASE("tail calls into an empty slot or out of range fall through", "[jit][tailcall]") {
    auto array = make_array(2);
    helpers::ProgramBindings bindings{&test_helpers(), {helpers::MapBinding{array.get(), nullptr, 0}}};
    for (int32_t index : {1, 2, 1000, -1}) {
        auto p = jit::compile(counting_program(index), {}, bindings);
        REQUIRE(p.has_value());
        // entry (zeroes the counter) -> slot 0 = p, whose own tail call must fall through.
        auto entry = jit::compile(entry_program(0), {}, bindings);
        REQUIRE(entry.has_value());
        array->set(0, p->tail_call_entry());
        auto r = runtime::run_native(*entry, 0, 0);
        REQUIRE(r.has_value());
        INFO("index " << index);
        CHECK(*r == 1); // ran once, its own tail call fell through
    }
}

TEST_CASE("a chain of distinct programs passes r1 and the stack along", "[jit][tailcall]") {
    auto array = make_array(40);
    helpers::ProgramBindings bindings{&test_helpers(), {helpers::MapBinding{array.get(), nullptr, 0}}};
    std::vector<jit::CompiledProgram> programs;
    programs.reserve(40);
    // Program i: count, then tail call i+1; program 39 is not set, so 39 is where it stops
    // unless the limit stops it first.
    for (int32_t i = 0; i < 40; ++i) {
        auto p = jit::compile(counting_program(i + 1), {}, bindings);
        REQUIRE(p.has_value());
        programs.push_back(std::move(*p));
    }
    for (int32_t i = 0; i < 39; ++i) array->set(static_cast<uint32_t>(i), programs[static_cast<size_t>(i)].tail_call_entry());
    auto entry = jit::compile(entry_program(0), {}, bindings);
    REQUIRE(entry.has_value());
    auto r = runtime::run_native(*entry, 0, 0);
    REQUIRE(r.has_value());
    CHECK(*r == 33); // 1 (entry -> 0) + 32 more: the 34th call is refused
    // A shorter chain ends at the first empty slot.
    const engine_abi::ProgramEntry* saved = programs[5].tail_call_entry();
    uint32_t key = 5;
    REQUIRE(array->remove(&key) == 0);
    auto short_chain = runtime::run_native(*entry, 0, 0);
    REQUIRE(short_chain.has_value());
    CHECK(*short_chain == 5); // programs 0..4 ran; 4's tail call to slot 5 fell through
    array->set(5, saved);
}

TEST_CASE("tail calls are rejected outside the entry subprogram", "[jit][tailcall]") {
    auto p = make_program({call_local(2), exit_insn(), call_helper(12), exit_insn()});
    auto c = jit::compile(p, {}, test_bindings());
    REQUIRE_FALSE(c.has_value());
    CHECK(c.error().insn == 2u);
}

TEST_CASE("the interpreter takes the same tail calls as the JIT", "[jit][tailcall][interpreter]") {
    auto array = make_array(40);
    helpers::ProgramBindings bindings{&test_helpers(), {helpers::MapBinding{array.get(), nullptr, 0}}};
    std::vector<Program> irs;
    std::vector<jit::CompiledProgram> programs;
    irs.reserve(40);
    programs.reserve(40);
    for (int32_t i = 0; i < 40; ++i) {
        irs.push_back(counting_program(i + 1));
        auto p = jit::compile(irs.back(), {}, bindings);
        REQUIRE(p.has_value());
        programs.push_back(std::move(*p));
        // One entry serves both engines.
        programs.back().tail_call_entry()->program = &irs.back();
        programs.back().tail_call_entry()->bindings = &bindings;
    }
    for (uint32_t i = 0; i < 39; ++i) array->set(i, programs[i].tail_call_entry());
    const Program entry_ir = entry_program(0);
    auto entry = jit::compile(entry_ir, {}, bindings);
    REQUIRE(entry.has_value());
    runtime::Interpreter interpreter(entry_ir, bindings);
    std::vector<uint8_t> mem(8);

    for (uint32_t hole : {1000u, 5u, 0u}) {
        INFO("empty slot " << hole);
        uint32_t key = hole;
        if (hole < 40) REQUIRE(array->remove(&key) == 0);
        auto jit_r0 = runtime::run_native_mem(*entry, mem);
        auto interp_r0 = interpreter.run_mem(mem);
        REQUIRE(jit_r0.has_value());
        REQUIRE(interp_r0.has_value());
        CHECK(*jit_r0 == *interp_r0);
        CHECK(*interp_r0 == (hole == 1000u ? 33u : hole == 5u ? 5u : static_cast<uint64_t>(-1)));
        if (hole < 40) array->set(hole, programs[hole].tail_call_entry());
    }
}

TEST_CASE("tail call into a lean-frame program (no FrameInfo, own registers and stack)", "[jit][tailcall]") {
    auto array = make_array(2);
    helpers::ProgramBindings bindings{&test_helpers(), {helpers::MapBinding{array.get(), nullptr, 0}}};
    // The target writes r6-r9 and its stack and calls a helper: r0 = sum(r1=7, 1, 2, 3, 4) + r6..r9.
    std::vector<Instruction> t;
    t.push_back(mov64(6, 10));
    t.push_back(mov64(7, 20));
    t.push_back(mov64(8, 30));
    t.push_back(mov64(9, 40));
    t.push_back(stx(Size::DW, 10, -8, 6));
    t.push_back(mov64(1, 7));
    t.push_back(mov64(2, 1));
    t.push_back(mov64(3, 2));
    t.push_back(mov64(4, 3));
    t.push_back(mov64(5, 4));
    t.push_back(call_helper(1000));
    t.push_back(ldx(Size::DW, 1, 10, -8));
    t.push_back(alu64r(AluOp::Add, 0, 1));
    t.push_back(alu64r(AluOp::Add, 0, 7));
    t.push_back(alu64r(AluOp::Add, 0, 8));
    t.push_back(alu64r(AluOp::Add, 0, 9));
    t.push_back(exit_insn());
    auto target = jit::compile(make_program(t), {}, bindings);
    REQUIRE(target.has_value());
    array->set(0, target->tail_call_entry());
    auto entry = jit::compile(entry_program(0), {}, bindings);
    REQUIRE(entry.has_value());
    const uint64_t expected = 7 + 2 * 1 + 3 * 2 + 4 * 3 + 5 * 4 + 10 + 20 + 30 + 40;
    auto direct = runtime::run_native(*target, 0, 0);
    REQUIRE(direct.has_value());
    CHECK(*direct == expected);
    for (int i = 0; i < 3; ++i) {
        auto r = runtime::run_native(*entry, 0, 0);
        REQUIRE(r.has_value());
        CHECK(*r == expected);
    }
}

TEST_CASE("tail calls with hardening: blinded, through the retpoline, budget shared by the chain",
          "[jit][tailcall][hardening]") {
    auto array = make_array(4);
    helpers::ProgramBindings bindings{&test_helpers(), {helpers::MapBinding{array.get(), nullptr, 0}}};
    jit::CompileOptions hard;
    hard.hardening.blind_constants = true;
    hard.hardening.retpoline = true;
    // A plain target and a hardened entry (and the other way round): the frames match.
    for (bool target_hardened : {false, true}) {
        CAPTURE(target_hardened);
        auto self = jit::compile(counting_program(0), {}, bindings, target_hardened ? hard : jit::CompileOptions{});
        REQUIRE(self.has_value());
        array->set(0, self->tail_call_entry());
        auto entry = jit::compile(entry_program(0), {}, bindings, target_hardened ? jit::CompileOptions{} : hard);
        REQUIRE(entry.has_value());
        auto r = runtime::run_native(*entry, 0, 0);
        REQUIRE(r.has_value());
        CHECK(*r == 33);
    }
}

TEST_CASE("tail call into a program that makes no calls (the leanest frame), r1 passed through",
          "[jit][tailcall]") {
    auto array = make_array(1);
    helpers::ProgramBindings bindings{&test_helpers(), {helpers::MapBinding{array.get(), nullptr, 0}}};
    // No calls, no checked access (its own stack only): r0 = r1 + r6..r9 + *(r10 - 8).
    const Program target_program = make_program({
        mov64(6, 10), mov64(7, 20), mov64(8, 30), mov64(9, 40), Store{Size::DW, Reg{10}, -8, Imm{5}},
        ldx(Size::DW, 0, 10, -8), alu64r(AluOp::Add, 0, 1), alu64r(AluOp::Add, 0, 6), alu64r(AluOp::Add, 0, 7),
        alu64r(AluOp::Add, 0, 8), alu64r(AluOp::Add, 0, 9), exit_insn()});
    auto target = jit::compile(target_program, {}, bindings);
    REQUIRE(target.has_value());
    array->set(0, target->tail_call_entry());
    auto entry = jit::compile(entry_program(0), {}, bindings);
    REQUIRE(entry.has_value());
    const uint64_t expected = 1000 + 10 + 20 + 30 + 40 + 5;
    auto direct = runtime::run_native(*target, 1000, 0);
    REQUIRE(direct.has_value());
    CHECK(*direct == expected);
    for (int i = 0; i < 3; ++i) {
        auto r = runtime::run_native(*entry, 1000, 0);
        REQUIRE(r.has_value());
        CHECK(*r == expected);
    }
}
