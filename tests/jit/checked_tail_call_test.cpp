// A proven program (no run-time checks) that tail-calls a checked one: the run's CheckedRun
// is made only when the callee first checks (runtime/run/checked_run.hpp), and the callee's
// accesses are still checked against the run's memory: in single runs, in a burst
// (runtime::RunScope) and in a run started from inside a helper (a nested run).
#include <catch2/catch.hpp>

#include <cstring>
#include <functional>
#include <memory>

#include <fmt/format.h>

#include "jit/compiler.hpp"
#include "runtime/maps/prog_array.hpp"
#include "tests/jit/program_builder.hpp"
#include "tests/jit/require_fault.hpp"
#include "runtime/run/native_run.hpp"
#include "runtime/run/run_scope.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

constexpr int32_t kNestedHelperId = 1001;

std::unique_ptr<maps::ProgArray> make_array() {
    int err = 0;
    auto a = maps::ProgArray::create({maps::kMapTypeProgArray, 4, 8, 1, 0, "progs", nullptr}, &err);
    REQUIRE(a);
    return a;
}

// What full verification gives a program it accepts: every access proven.
verifier::Facts all_proven(const Program& p) {
    verifier::Facts f;
    f.access_in_bounds.assign(p.insns.size(), true);
    return f;
}

// Tail-calls prog_array[0] with r1 as it is; r0 = -1 when the slot is empty.
Program dispatcher() {
    std::vector<Instruction> v;
    lddw(v, 2, 0, LddwKind::MapFd);
    v.push_back(mov64(3, 0));
    v.push_back(call_helper(12));
    v.push_back(mov64(0, -1));
    v.push_back(exit_insn());
    return make_program(v);
}

// r0 = the u32 at r1 + off; compiled without facts, so the load is checked.
Program reader(int16_t off) { return make_program({ldx(Size::W, 0, 1, off), exit_insn()}); }

uint64_t address_of(const std::vector<uint8_t>& bytes) { return reinterpret_cast<uint64_t>(bytes.data()); }

// The test helper table plus one helper that runs whatever the test installs.
std::function<uint64_t()>& nested_body() {
    static std::function<uint64_t()> body;
    return body;
}
uint64_t nested_helper(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) { return nested_body()(); }
const helpers::HelperTable& nesting_helpers() {
    static const helpers::HelperTable table = [] {
        helpers::HelperTable t = test_helpers();
        t.add(helpers::Helper{kNestedHelperId, "test_nested_run", {}, kAllProgramTypes, &nested_helper});
        return t;
    }();
    return table;
}

struct Fixture {
    std::unique_ptr<maps::ProgArray> array = make_array();
    helpers::ProgramBindings bindings{&nesting_helpers(), {helpers::MapBinding{array.get(), nullptr, 0}}};
    Program entry_ir = dispatcher();
    jit::CompiledProgram entry = compiled(entry_ir, all_proven(entry_ir));
    jit::CompiledProgram good = compiled(reader(4), {}); // inside an 8-byte input
    jit::CompiledProgram bad = compiled(reader(6), {});  // 2 bytes past its end

    jit::CompiledProgram compiled(const Program& p, const verifier::Facts& facts) {
        auto c = jit::compile(p, facts, bindings);
        if (!c) FAIL(c.error().to_string());
        return std::move(*c);
    }
};

} // namespace

TEST_CASE("a proven program's tail call into a checked one is still checked", "[jit][checked][tailcall]") {
    Fixture f;
    REQUIRE_FALSE(f.entry.checked());
    REQUIRE(f.good.checked());
    std::vector<uint8_t> mem{1, 2, 3, 4, 5, 6, 7, 8};

    f.array->set(0, f.good.tail_call_entry());
    auto r = runtime::run_native_mem(f.entry, mem);
    REQUIRE(r.has_value());
    CHECK(*r == 0x08070605);

    f.array->set(0, f.bad.tail_call_entry());
    require_fault(runtime::run_native_mem(f.entry, mem), 0,
                  fmt::format("load of 4 bytes at {:#x} is outside program memory", address_of(mem) + 6));

    // A proven run with no regions: the checked callee may not touch the input either.
    f.array->set(0, f.good.tail_call_entry());
    require_fault(runtime::run_native(f.entry, address_of(mem), mem.size()), 0, "load of 4 bytes");
}

TEST_CASE("a burst (RunScope) gives each run its own regions and a clean fault state", "[jit][checked][burst]") {
    Fixture f;
    f.array->set(0, f.good.tail_call_entry());
    std::vector<uint8_t> a(8, 0x11), b(8, 0x22);
    const runtime::MemoryRegion ra{address_of(a), a.size(), true}, rb{address_of(b), b.size(), true};
    engine_abi::ExecutionState state;
    runtime::RunScope scope(f.entry, state);
    CHECK(engine_abi::ExecutionState::current() == &state);

    auto first = scope.run(ra.start, ra.size, {}, std::span(&ra, 1));
    REQUIRE(first.has_value());
    CHECK(*first == 0x11111111);
    CHECK(state.ctx == a.data());
    auto second = scope.run(rb.start, rb.size, {}, std::span(&rb, 1));
    REQUIRE(second.has_value());
    CHECK(*second == 0x22222222);
    // r1 at a's bytes but only b's region granted: the previous run's regions are gone.
    require_fault(scope.run(ra.start, ra.size, {}, std::span(&rb, 1)), 0, "load of 4 bytes");
    // After a fault, the next run starts clean.
    auto after = scope.run(rb.start, rb.size, {}, std::span(&rb, 1));
    REQUIRE(after.has_value());
    CHECK(*after == 0x22222222);
}

TEST_CASE("a run started inside a helper has its own checked state", "[jit][checked][nested]") {
    Fixture f;
    std::vector<uint8_t> inner{1, 2, 3, 4, 5, 6, 7, 8};
    // The nested runs: the proven dispatcher into the bad reader (a located fault), then into
    // the good one. 0x100 when both behave.
    nested_body() = [&] {
        f.array->set(0, f.bad.tail_call_entry());
        auto faulted = runtime::run_native_mem(f.entry, inner);
        f.array->set(0, f.good.tail_call_entry());
        auto read = runtime::run_native_mem(f.entry, inner);
        const bool located = !faulted && faulted.error().insn == 0u &&
                             faulted.error().message.find(fmt::format("at {:#x}", address_of(inner) + 6)) !=
                                 std::string::npos;
        return located && read && *read == 0x08070605 ? uint64_t{0x100} : uint64_t{0};
    };
    // Outer, checked: its helper call is pending while the nested runs go on; afterwards its
    // own accesses are checked against its own input.
    auto outer = [&](int16_t off) {
        return f.compiled(make_program({mov64r(6, 1), call_helper(kNestedHelperId), mov64r(7, 0),
                                        ldx(Size::W, 0, 6, off), alu64r(AluOp::Add, 0, 7), exit_insn()}),
                          {});
    };
    std::vector<uint8_t> mem(8, 0x11);
    auto fine = outer(4);
    REQUIRE(fine.checked());
    auto r = runtime::run_native_mem(fine, mem);
    REQUIRE(r.has_value());
    CHECK(*r == 0x11111111 + 0x100);

    auto past_end = outer(6);
    require_fault(runtime::run_native_mem(past_end, mem), 3,
                  fmt::format("load of 4 bytes at {:#x} is outside program memory", address_of(mem) + 6));
    nested_body() = nullptr;
}
