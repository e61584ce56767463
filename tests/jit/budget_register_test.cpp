// The instruction budget's counter in a spare register (jit/budget.cpp,
// Optimisations::budget_register): with it on and off the same code faults at the same
// slot, returns the same r0 and leaves the same RunStatus, at budgets around each
// program's exact cost: loops alone, with helper calls and callx, with local calls and
// bpf_loop callbacks (which keep the memory form), and across tail calls between programs
// compiled either way.
#include <catch2/catch.hpp>

#include <cstring>
#include <memory>

#include "jit/native_listing.hpp"
#include "program_builder.hpp"
#include "runtime/maps/prog_array.hpp"
#include "runtime/run/native_run.hpp"
#include "tests/callbacks/callback_support.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

jit::CompileOptions options(uint64_t budget, bool in_register) {
    jit::CompileOptions o;
    o.hardening.instruction_budget = budget;
    o.optimise.budget_register = in_register;
    return o;
}

// Which eBPF register's host register the lowering gives the counter (0: memory form).
uint8_t budget_reg(const Program& p, const helpers::ProgramBindings& bindings, bool in_register) {
    jit::LoweringOptions o;
    o.bindings = &bindings;
    o.instruction_budget = 1000;
    o.optimise.budget_register = in_register;
    auto lowered = jit::lower(p, verifier::Facts{}, o);
    REQUIRE(lowered);
    return lowered->budget_reg;
}

struct Outcome {
    bool ok = false;
    uint64_t r0 = 0;
    uint32_t insn = 0;
    std::string message;
};

Outcome outcome(const Result<uint64_t>& r) {
    if (r) return {true, *r, 0, ""};
    return {false, 0, r.error().insn.value_or(UINT32_MAX), r.error().message};
}

void require_same(const Outcome& on, const Outcome& off) {
    CHECK(on.ok == off.ok);
    CHECK(on.r0 == off.r0);
    CHECK(on.insn == off.insn);
    CHECK(on.message == off.message);
}

Outcome run_mem(const Program& p, const helpers::ProgramBindings& bindings, uint64_t budget, bool in_register) {
    auto compiled = jit::compile(p, verifier::Facts{}, bindings, options(budget, in_register));
    REQUIRE(compiled);
    std::vector<uint8_t> mem(8);
    return outcome(runtime::run_native_mem(*compiled, mem));
}

// The entry called with a RunStatus of our own, so that every byte the code writes to it
// can be compared (the run paths read only fault and slot back). For code needing no
// per-run state: no r10, no checks, helpers that need nothing of the run.
struct Direct {
    uint64_t r0;
    engine_abi::RunStatus status;
};
Direct run_direct(const jit::CompiledProgram& code, uint64_t budget) {
    alignas(16) static uint8_t stack[4096];
    Direct d{};
    d.status.budget_left = budget;
    d.status.value = 0x5a5a5a5a5a5a5a5a; // not a budget fault's: must stay
    d.status.stack_top = stack + sizeof stack;
    d.r0 = code.entry()(0, 0, nullptr, 0, &d.status);
    return d;
}

// The same outcome and the same status bytes with the counter in a register and not.
void require_same_everywhere(const Program& p, const helpers::ProgramBindings& bindings, uint64_t budget) {
    CAPTURE(budget);
    const Outcome on = run_mem(p, bindings, budget, true);
    const Outcome off = run_mem(p, bindings, budget, false);
    require_same(on, off);
    // Trusted: a helper call is then a plain call (a checked one needs a RunScope's checker).
    jit::CompileOptions trusted_on = options(budget, true), trusted_off = options(budget, false);
    trusted_on.trusted = trusted_off.trusted = true;
    auto code_on = jit::compile(p, verifier::Facts{}, bindings, trusted_on);
    auto code_off = jit::compile(p, verifier::Facts{}, bindings, trusted_off);
    REQUIRE(code_on);
    REQUIRE(code_off);
    const Direct a = run_direct(*code_on, budget);
    const Direct b = run_direct(*code_off, budget);
    CHECK(a.r0 == b.r0);
    CHECK(a.status.fault == b.status.fault);
    CHECK(a.status.slot == b.status.slot);
    CHECK(a.status.value == b.status.value);
    CHECK(a.status.budget_left == b.status.budget_left);
    CHECK(std::memcmp(&a.status, &b.status, sizeof a.status) == 0);
    // And what the run path reported.
    CHECK((a.status.fault == engine_abi::Fault::None) == on.ok);
    if (on.ok) CHECK(a.r0 == on.r0);
}

// r0 counts to 10: the back-edge at slot 2 closes a 2-slot loop, charged 10 times (20).
Program count_to_ten() {
    return make_program({mov64(0, 0), alu64(AluOp::Add, 0, 1), jcc(Cond::Lt, 0, 10, 1), exit_insn()});
}

// A loop of `body + 2` slots run 3 times: a charge an A64 imm12 cannot hold when long.
Program long_loop(int body) {
    std::vector<Instruction> v{mov64(0, 0)};
    for (int i = 0; i < body; ++i) v.push_back(alu64(AluOp::Add, 1, 1));
    v.push_back(alu64(AluOp::Add, 0, 1));
    v.push_back(jcc(Cond::Lt, 0, 3, 1));
    v.push_back(exit_insn());
    return make_program(v);
}

// test_sum(1..5) = 55 four times in a loop (by call or callx), r0 = 55 + 4: the back-edge
// at slot 8 (9 with callx) charges 8 (9) a trip, 32 (36) in all.
Program helper_loop(bool callx) {
    std::vector<Instruction> v{mov64(6, 0), mov64(1, 1), mov64(2, 2), mov64(3, 3), mov64(4, 4), mov64(5, 5)};
    if (callx) {
        v.push_back(mov64(7, 1000));
        v.push_back(CallX{Reg{7}});
    } else {
        v.push_back(call_helper(1000));
    }
    v.push_back(alu64(AluOp::Add, 6, 1));
    v.push_back(jcc(Cond::Lt, 6, 4, 1));
    v.push_back(alu64r(AluOp::Add, 0, 6));
    v.push_back(exit_insn());
    return make_program(v);
}

} // namespace

TEST_CASE("budget register: chosen for one subprogram with a spare r6-r9, not otherwise", "[jit][budget_register]") {
    const helpers::ProgramBindings b = test_bindings();
    CHECK(budget_reg(count_to_ten(), b, true) == 9);
    CHECK(budget_reg(count_to_ten(), b, false) == 0);
    CHECK(budget_reg(helper_loop(false), b, true) == 9);
    CHECK(budget_reg(helper_loop(true), b, true) == 9);
    // r6-r9 all in use: nowhere to keep it.
    CHECK(budget_reg(make_program({mov64(6, 0), mov64(7, 0), mov64(8, 0), mov64(9, 0), alu64(AluOp::Add, 6, 1),
                                   jcc(Cond::Lt, 6, 3, 4), mov64r(0, 6), exit_insn()}),
                     b, true) == 0);
    // r9 in use: the next free one.
    CHECK(budget_reg(make_program({mov64(9, 0), alu64(AluOp::Add, 9, 1), jcc(Cond::Lt, 9, 3, 1), mov64r(0, 9),
                                   exit_insn()}),
                     b, true) == 8);
    // A local call: the callee would save and restore it.
    CHECK(budget_reg(make_program({mov64(0, 0), call_local(4), jcc(Cond::Lt, 0, 3, 1), exit_insn(),
                                   alu64(AluOp::Add, 0, 1), exit_insn()}),
                     b, true) == 0);
    // No loop: nothing to charge.
    CHECK(budget_reg(make_program({mov64(0, 1), exit_insn()}), b, true) == 0);
}

TEST_CASE("budget register: both listings keep the counter in a register", "[jit][budget_register]") {
    const Program p = count_to_ten();
    auto x86 = jit::native_listing(p, verifier::Facts{}, test_bindings(), {}, jit::Arch::X86_64, options(50, true));
    REQUIRE(x86);
    CHECK(x86->find("sub r15, 2") != std::string::npos);
    CHECK(x86->find("sub qword ptr") == std::string::npos);
    auto a64 = jit::native_listing(p, verifier::Facts{}, test_bindings(), {}, jit::Arch::Arm64, options(50, true));
    REQUIRE(a64);
    CHECK(a64->find("subs x22, x22, 2") != std::string::npos);
    CHECK(a64->find("subs x6, x6") == std::string::npos);
}

TEST_CASE("budget register: a loop faults at the same slot with the same status, around its exact cost",
          "[jit][budget_register]") {
    const helpers::ProgramBindings b = test_bindings();
    for (uint64_t budget : {1u, 2u, 3u, 18u, 19u, 20u, 21u, 1000u}) require_same_everywhere(count_to_ten(), b, budget);
    CHECK(run_mem(count_to_ten(), b, 20, true).ok);
    CHECK_FALSE(run_mem(count_to_ten(), b, 19, true).ok);
    CHECK(run_mem(count_to_ten(), b, 19, true).insn == 2u);

    const Program big = long_loop(4100); // charge 4102 a trip
    const uint64_t cost = 3 * 4102;
    for (uint64_t budget : {uint64_t{4101}, uint64_t{4102}, cost - 1, cost, cost + 1})
        require_same_everywhere(big, b, budget);
    CHECK(run_mem(big, b, cost, true).ok);
    CHECK(run_mem(big, b, cost, true).r0 == 3);
    const Outcome short_by_one = run_mem(big, b, cost - 1, true);
    CHECK_FALSE(short_by_one.ok);
    CHECK(short_by_one.insn == 4102u);
}

TEST_CASE("budget register: loops with helper calls and callx", "[jit][budget_register]") {
    const helpers::ProgramBindings b = test_bindings();
    for (bool callx : {false, true}) {
        CAPTURE(callx);
        const Program p = helper_loop(callx);
        const uint64_t cost = callx ? 36 : 32;
        for (uint64_t budget : {uint64_t{1}, cost / 2, cost - 1, cost, cost + 1}) require_same_everywhere(p, b, budget);
        const Outcome enough = run_mem(p, b, cost, true);
        REQUIRE(enough.ok);
        CHECK(enough.r0 == 59);
        const Outcome short_by_one = run_mem(p, b, cost - 1, true);
        CHECK_FALSE(short_by_one.ok);
        CHECK(short_by_one.insn == (callx ? 9u : 8u));
    }
}

TEST_CASE("budget register: local calls in a loop keep the memory form, same outcomes", "[jit][budget_register]") {
    const helpers::ProgramBindings b = test_bindings();
    // Three trips, each a local call (charge 1) and the back-edge at slot 2 (charge 2): 9.
    const Program p = make_program({mov64(0, 0), call_local(4), jcc(Cond::Lt, 0, 3, 1), exit_insn(),
                                    alu64(AluOp::Add, 0, 1), exit_insn()});
    for (uint64_t budget : {1u, 2u, 8u, 9u, 10u}) {
        CAPTURE(budget);
        require_same(run_mem(p, b, budget, true), run_mem(p, b, budget, false));
    }
    CHECK(run_mem(p, b, 9, true).ok);
    CHECK_FALSE(run_mem(p, b, 8, true).ok);
}

TEST_CASE("budget register: bpf_loop callbacks with loops keep the memory form, same outcomes",
          "[jit][budget_register]") {
    // bpf_loop(3, cb) twice in a loop; cb counts to 4 in a loop of its own.
    const Program p = program(R"(
mov %r6, 0
mov %r7, 0
again:
mov %r1, 3
ldfunc %r2, cb
mov %r3, 0
mov %r4, 0
call 181
add %r7, %r0
add %r6, 1
jlt %r6, 2, again
mov %r0, %r7
exit
cb:
mov %r0, 0
count:
add %r0, 1
jlt %r0, 4, count
mov %r0, 0
exit
)");
    const helpers::ProgramBindings b = bindings();
    CHECK(budget_reg(p, b, true) == 0);
    const Outcome free = run_mem(p, b, 1'000'000, true);
    REQUIRE(free.ok);
    CHECK(free.r0 == 6);
    // The cost is whatever the memory form charges: find it, then check around it.
    uint64_t cost = 1;
    while (!run_mem(p, b, cost, false).ok) ++cost;
    for (uint64_t budget : {uint64_t{1}, cost / 2, cost - 1, cost, cost + 1}) {
        CAPTURE(budget);
        require_same(run_mem(p, b, budget, true), run_mem(p, b, budget, false));
    }
}

namespace {

std::unique_ptr<maps::ProgArray> make_array() {
    int err = 0;
    auto a = maps::ProgArray::create({maps::kMapTypeProgArray, 4, 8, 1, 0, "progs", nullptr}, &err);
    REQUIRE(a);
    return a;
}

// Counts to 3 in r6 (back-edge at slot 2: 2 a trip, 6), then tail-calls prog_array[0].
Program tail_caller() {
    std::vector<Instruction> v{mov64(6, 0), alu64(AluOp::Add, 6, 1), jcc(Cond::Lt, 6, 3, 1)};
    lddw(v, 2, 0, LddwKind::MapFd); // 3-4
    v.push_back(mov64(3, 0));
    v.push_back(call_helper(12));
    v.push_back(mov64(0, -1)); // the tail call must not fall through
    v.push_back(exit_insn());
    return make_program(v);
}

} // namespace

TEST_CASE("budget register: the budget carries across a tail call, whichever form each side has",
          "[jit][budget_register][tailcall]") {
    auto array = make_array();
    helpers::ProgramBindings b{&test_helpers(), {helpers::MapBinding{array.get(), nullptr, 0}}};
    CHECK(budget_reg(tail_caller(), b, true) == 9);
    CHECK(budget_reg(count_to_ten(), b, true) == 9);
    const uint64_t cost = 6 + 20; // the caller's loop, then the target's
    for (uint64_t budget : {uint64_t{5}, uint64_t{6}, uint64_t{7}, cost - 1, cost, cost + 1}) {
        CAPTURE(budget);
        std::vector<Outcome> seen;
        for (bool caller_reg : {false, true})
            for (bool target_reg : {false, true}) {
                CAPTURE(caller_reg, target_reg);
                auto target = jit::compile(count_to_ten(), verifier::Facts{}, b, options(budget, target_reg));
                REQUIRE(target);
                array->set(0, target->tail_call_entry());
                auto caller = jit::compile(tail_caller(), verifier::Facts{}, b, options(budget, caller_reg));
                REQUIRE(caller);
                for (int run = 0; run < 2; ++run) { // each run starts with the whole budget
                    seen.push_back(outcome(runtime::run_native(*caller, 0, 0)));
                    require_same(seen.back(), seen.front());
                }
                array->set(0, nullptr);
            }
        const Outcome& o = seen.front();
        CHECK(o.ok == (budget >= cost));
        if (o.ok) CHECK(o.r0 == 10);
        else CHECK(o.insn == 2u); // slot 2 of the caller (budget < 6) or of the target
    }
}
