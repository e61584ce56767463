// jit::RunNeeds: what a run must set up, decided at compile time. A program whose calls
// can reach no ExecutionState runs lean (runtime::run_lean: no state, no
// thread-local, no scope); everything else keeps the run scope. Both paths give the same
// answers, faults included, and a lean run inside another run takes its own eBPF stack.
#include <catch2/catch.hpp>

#include <functional>
#include <memory>

#include "engine_abi/kernel_ids.hpp"
#include "jit/compiler.hpp"
#include "runtime/maps/prog_array.hpp"
#include "tests/jit/program_builder.hpp"
#include "runtime/run/native_run.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

constexpr int32_t kStatelessHelperId = 1010; // uses_run_state = false
constexpr int32_t kNestingHelperId = 1011;   // runs nested_body()

verifier::Facts all_proven(const Program& p) {
    verifier::Facts f;
    f.access_in_bounds.assign(p.insns.size(), true);
    return f;
}

std::function<uint64_t()>& nested_body() {
    static std::function<uint64_t()> body;
    return body;
}
uint64_t nesting_helper(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) { return nested_body()(); }
uint64_t stateless_helper(uint64_t a, uint64_t, uint64_t, uint64_t, uint64_t) { return a + 1; }

const helpers::HelperTable& table() {
    static const helpers::HelperTable t = [] {
        helpers::HelperTable h = test_helpers(); // 1000: test_sum, uses_run_state (the default)
        helpers::Helper stateless{kStatelessHelperId, "test_stateless", {}, kAllProgramTypes, &stateless_helper};
        stateless.uses_run_state = false;
        h.add(stateless);
        h.add(helpers::Helper{kNestingHelperId, "test_nesting", {}, kAllProgramTypes, &nesting_helper});
        return h;
    }();
    return t;
}

jit::CompiledProgram compiled(const Program& p, const helpers::ProgramBindings& bindings,
                              const jit::CompileOptions& options = {}) {
    auto c = jit::compile(p, all_proven(p), bindings, options);
    if (!c) FAIL(c.error().to_string());
    return std::move(*c);
}

// r0 = r1's first byte + 1, through the stack at r10 - 8.
Program via_stack() {
    return make_program({ldx(Size::B, 2, 1, 0), stx(Size::DW, 10, -8, 2), ldx(Size::DW, 0, 10, -8),
                         alu64(AluOp::Add, 0, 1), exit_insn()});
}

} // namespace

TEST_CASE("run needs follow what the program calls and touches", "[jit][run_needs]") {
    const helpers::ProgramBindings bindings{&table(), {}};
    std::vector<uint8_t> mem{0x41, 0, 0, 0, 0, 0, 0, 0};

    auto constant = compiled(make_program({mov64(0, 0x1234), exit_insn()}), bindings);
    CHECK_FALSE(constant.run_needs().state);
    CHECK_FALSE(constant.run_needs().stack);
    CHECK(constant.lean());
    auto r = runtime::run_native_mem(constant, mem);
    REQUIRE(r.has_value());
    CHECK(*r == 0x1234);

    auto stack = compiled(via_stack(), bindings);
    CHECK_FALSE(stack.run_needs().state);
    CHECK(stack.run_needs().stack);
    CHECK(stack.lean());
    r = runtime::run_native_mem(stack, mem);
    REQUIRE(r.has_value());
    CHECK(*r == 0x42);

    auto stateless = compiled(make_program({mov64(1, 6), call_helper(kStatelessHelperId), exit_insn()}), bindings);
    CHECK_FALSE(stateless.run_needs().state);
    CHECK(stateless.lean());
    r = runtime::run_native_mem(stateless, mem);
    REQUIRE(r.has_value());
    CHECK(*r == 7);

    auto stateful = compiled(make_program({mov64(1, 6), mov64(2, 0), mov64(3, 0), mov64(4, 0), mov64(5, 0),
                                           call_helper(1000), exit_insn()}),
                             bindings);
    CHECK(stateful.run_needs().state);
    CHECK_FALSE(stateful.lean());
    r = runtime::run_native_mem(stateful, mem);
    REQUIRE(r.has_value());
    CHECK(*r == 6);

    // callx may reach any helper.
    auto callx = compiled(make_program({mov64(0, 1000), CallX{Reg{0}}, exit_insn()}), bindings);
    CHECK(callx.run_needs().state);

    // A tail call's target may call any helper.
    int err = 0;
    auto array = maps::ProgArray::create({maps::kMapTypeProgArray, 4, 8, 1, 0, "progs", nullptr}, &err);
    REQUIRE(array);
    const helpers::ProgramBindings with_array{&table(), {helpers::MapBinding{array.get(), nullptr, 0}}};
    std::vector<Instruction> v;
    lddw(v, 2, 0, LddwKind::MapFd);
    v.push_back(mov64(3, 0));
    v.push_back(call_helper(engine_abi::helper_id::kTailCall));
    v.push_back(mov64(0, 5));
    v.push_back(exit_insn());
    auto tail = compiled(make_program(v), with_array);
    CHECK(tail.run_needs().state);
    CHECK_FALSE(tail.lean());
    r = runtime::run_native_mem(tail, mem);
    REQUIRE(r.has_value());
    CHECK(*r == 5); // empty slot: falls through

    // Unproven code checks at run time: never lean, though it calls nothing.
    auto checked = jit::compile(via_stack(), verifier::Facts{}, bindings);
    REQUIRE(checked.has_value());
    CHECK(checked->checked());
    CHECK_FALSE(checked->lean());
    r = runtime::run_native_mem(*checked, mem);
    REQUIRE(r.has_value());
    CHECK(*r == 0x42);
}

TEST_CASE("the builtin map helpers need no run state; the others do", "[jit][run_needs]") {
    const auto& builtin = helpers::HelperTable::builtin();
    for (int32_t id : {engine_abi::helper_id::kMapLookupElem, engine_abi::helper_id::kMapUpdateElem,
                       engine_abi::helper_id::kMapDeleteElem}) {
        INFO(id);
        REQUIRE(builtin.find(id) != nullptr);
        CHECK_FALSE(builtin.find(id)->uses_run_state);
    }
    size_t stateless = 0;
    for (const auto& [id, helper] : builtin.all()) stateless += !helper.uses_run_state;
    CHECK(stateless == 3);
}

TEST_CASE("a lean run faults like a scoped one", "[jit][run_needs][budget]") {
    const helpers::ProgramBindings bindings{&table(), {}};
    jit::CompileOptions options;
    options.hardening.instruction_budget = 1000;
    auto loop = compiled(make_program({mov64(0, 0), alu64(AluOp::Add, 0, 1), jmp(1)}), bindings, options);
    CHECK(loop.lean());
    auto r = runtime::run_native(loop, 0, 0);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message == "instruction budget of 1000 exceeded");
    // The next run starts with the whole budget again.
    r = runtime::run_native(loop, 0, 0);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message == "instruction budget of 1000 exceeded");
}

TEST_CASE("a lean run inside a helper of another run takes the next eBPF stack level", "[jit][run_needs][nested]") {
    const helpers::ProgramBindings bindings{&table(), {}};
    auto inner = compiled(via_stack(), bindings);
    REQUIRE(inner.lean());
    std::vector<uint8_t> inner_mem{0x10, 0, 0, 0, 0, 0, 0, 0};
    nested_body() = [&] {
        auto r0 = runtime::run_native_mem(inner, inner_mem);
        return r0 ? *r0 : uint64_t{0};
    };
    // Outer: keeps 0x7777 at r10 - 8 across the helper call (where the inner run stores
    // its byte), then r0 = that slot + what the inner run returned.
    auto outer = compiled(make_program({mov64(2, 0x7777), stx(Size::DW, 10, -8, 2), call_helper(kNestingHelperId),
                                        ldx(Size::DW, 1, 10, -8), alu64r(AluOp::Add, 0, 1), exit_insn()}),
                          bindings);
    REQUIRE_FALSE(outer.lean());
    std::vector<uint8_t> mem(8);
    auto r = runtime::run_native_mem(outer, mem);
    REQUIRE(r.has_value());
    CHECK(*r == 0x7777 + 0x11);
    nested_body() = nullptr;
}
