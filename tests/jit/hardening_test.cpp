// The instruction budget (jit/budget.cpp, both engines) and x86-64 retpolines
// (jit/x86_64/retpoline.cpp).
#include <catch2/catch.hpp>

#include <algorithm>

#include "jit/native_listing.hpp"
#include "program_builder.hpp"
#include "runtime/interpreter.hpp"
#include "runtime/run/native_run.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

Result<uint64_t> jit_with(const Program& p, jit::CompileOptions options) {
    auto compiled = jit::compile(p, verifier::Facts{}, test_bindings(), options);
    if (!compiled) return fail(compiled.error());
    return runtime::run_native_mem(*compiled, {});
}

Result<uint64_t> interp_with_budget(const Program& p, uint64_t budget) {
    runtime::InterpreterOptions options;
    options.instruction_budget = budget;
    return runtime::Interpreter(p, test_bindings(), options).run_mem({});
}

jit::CompileOptions budget(uint64_t n, bool blind = false) {
    jit::CompileOptions o;
    o.hardening.instruction_budget = n;
    o.hardening.blind_constants = blind;
    return o;
}

// r0 counts to 10: the back-edge at slot 2 closes a 2-slot loop and runs 10 times.
Program count_to_ten() {
    return make_program({mov64(0, 0), alu64(AluOp::Add, 0, 1), jcc(Cond::Lt, 0, 10, 1), exit_insn()});
}

bool contains(std::span<const uint8_t> code, std::initializer_list<uint8_t> bytes) {
    return std::search(code.begin(), code.end(), bytes.begin(), bytes.end()) != code.end();
}

} // namespace

TEST_CASE("budget: an endless loop stops with the same error on both engines") {
    const Program p = make_program({mov64(0, 7), jmp(1), exit_insn()}); // ja -1
    for (bool blind : {false, true}) {
        CAPTURE(blind);
        auto jit = jit_with(p, budget(1000, blind));
        REQUIRE_FALSE(jit);
        CHECK(jit.error().message == "instruction budget of 1000 exceeded");
        CHECK(jit.error().insn == 1u); // the original slot, blinded or not
    }
    auto interp = interp_with_budget(p, 1000);
    REQUIRE_FALSE(interp);
    CHECK(interp.error().message == "instruction budget of 1000 exceeded");
    CHECK(interp.error().insn == 1u);
}

TEST_CASE("budget: a back-edge charges the length of its loop, exactly up to the budget") {
    const Program p = count_to_ten();
    auto enough = jit_with(p, budget(20));
    REQUIRE(enough);
    CHECK(*enough == 10);
    auto short_by_one = jit_with(p, budget(19));
    REQUIRE_FALSE(short_by_one);
    CHECK(short_by_one.error().insn == 2u);
    // The interpreter counts every instruction: 1 + 10 * 2 + 1.
    CHECK(interp_with_budget(p, 22));
    CHECK_FALSE(interp_with_budget(p, 21));
    // Without a budget the same code runs as always.
    auto free = jit_with(p, {});
    REQUIRE(free);
    CHECK(*free == 10);
}

TEST_CASE("budget: local calls charge 1 each, and each run starts with the whole budget") {
    // main calls f three times; f adds 5 to r0.
    const Program p = make_program({mov64(0, 0), call_local(5), call_local(5), call_local(5), exit_insn(),
                                    alu64(AluOp::Add, 0, 5), exit_insn()});
    auto compiled = jit::compile(p, verifier::Facts{}, test_bindings(), budget(3));
    REQUIRE(compiled);
    for (int run = 0; run < 3; ++run) {
        auto r0 = runtime::run_native_mem(*compiled, {});
        REQUIRE(r0);
        CHECK(*r0 == 15);
    }
    auto tight = jit_with(p, budget(2));
    REQUIRE_FALSE(tight);
    CHECK(tight.error().insn == 3u);
}

TEST_CASE("budget: both listings show the charge before the back-edge") {
    const Program p = count_to_ten();
    // The memory form (the counter in a register: budget_register_test.cpp).
    jit::CompileOptions in_memory = budget(50);
    in_memory.optimise.budget_register = false;
    auto x86 = jit::native_listing(p, verifier::Facts{}, test_bindings(), {}, jit::Arch::X86_64, in_memory);
    REQUIRE(x86);
    CHECK(x86->find("sub qword ptr [r10+0x10], 2") != std::string::npos);
    auto a64 = jit::native_listing(p, verifier::Facts{}, test_bindings(), {}, jit::Arch::Arm64, in_memory);
    REQUIRE(a64);
    CHECK(a64->find("subs x6, x6, 2") != std::string::npos);
    CHECK(a64->find("b.cc") != std::string::npos); // lo (borrow), as asmjit spells it
}

TEST_CASE("retpoline: callx goes through the thunk and still calls the helper") {
    // r0 = test_sum(1, 2, 3, 4, 5) through callx r6 = 1000.
    const Program p = make_program({mov64(1, 1), mov64(2, 2), mov64(3, 3), mov64(4, 4), mov64(5, 5),
                                    mov64(6, 1000), CallX{Reg{6}}, exit_insn()});
    jit::CompileOptions with;
    with.hardening.retpoline = true;
    auto plain = jit::compile(p, verifier::Facts{}, test_bindings(), {});
    auto thunked = jit::compile(p, verifier::Facts{}, test_bindings(), with);
    REQUIRE(plain);
    REQUIRE(thunked);
    const std::span<const uint8_t> before(plain->code(), plain->code_size());
    const std::span<const uint8_t> after(thunked->code(), thunked->code_size());
    if (jit::host_arch() == jit::Arch::X86_64) { // ARM64 ignores the option
        CHECK(contains(before, {0x41, 0xFF, 0xD2}));      // call r10: the plain indirect call
        CHECK_FALSE(contains(after, {0x41, 0xFF, 0xD2})); // gone
        CHECK(contains(after, {0xF3, 0x90, 0x0F, 0xAE, 0xE8, 0xEB})); // trap: pause; lfence; jmp trap
        CHECK(contains(after, {0x4C, 0x89, 0x14, 0x24, 0xC3}));       // mov [rsp], r10; ret
    }
    auto r_plain = runtime::run_native_mem(*plain, {});
    auto r_thunk = runtime::run_native_mem(*thunked, {});
    REQUIRE(r_plain);
    REQUIRE(r_thunk);
    CHECK(*r_thunk == 1 + 2 * 2 + 3 * 3 + 4 * 4 + 5 * 5);
    CHECK(*r_thunk == *r_plain);
    // An unknown id still faults, naming the callx.
    const Program bad = make_program({mov64(6, 999), CallX{Reg{6}}, exit_insn()});
    auto fault = jit_with(bad, with);
    REQUIRE_FALSE(fault);
    CHECK(fault.error().insn == 1u);
}

TEST_CASE("retpoline: helper calls take the thunk, with blinding and a budget too") {
    const Program p = make_program({mov64(1, 10), mov64(2, 0), mov64(3, 0), mov64(4, 0), mov64(5, 0),
                                    call_helper(1000), exit_insn()});
    jit::CompileOptions all;
    all.hardening.retpoline = true;
    all.hardening.blind_constants = true;
    all.hardening.instruction_budget = 100;
    auto listing = jit::native_listing(p, verifier::Facts{}, test_bindings(), {}, jit::Arch::X86_64, all);
    REQUIRE(listing);
    CHECK(listing->find("lfence") != std::string::npos);
    CHECK(listing->find("mov qword ptr [rsp], r10") != std::string::npos);
    auto r0 = jit_with(p, all);
    REQUIRE(r0);
    CHECK(*r0 == 10);
}
