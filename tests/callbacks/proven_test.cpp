// Callbacks from programs the verifier proved (no run-time checks: the run never makes a
// CheckedRun) and from checked ones, in single runs and in several runs of one
// runtime::RunScope (a burst shares the callback hook).
#include "tests/callbacks/callback_support.hpp"

#include <linux/bpf.h>
#include "runtime/run/native_run.hpp"
#include "runtime/run/run_scope.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

// r0 = sum of the indices * 1000 + bpf_loop's return (10 iterations).
const char* kLoop = R"(
stdw [%r10-8], 0
mov %r1, 10
ldfunc %r2, cb
mov %r3, %r10
add %r3, -8
mov %r4, 0
call 181
ldxdw %r6, [%r10-8]
mul %r6, 1000
add %r0, %r6
exit
cb:
ldxdw %r3, [%r2]
add %r3, %r1
stxdw [%r2], %r3
mov %r0, 0
exit
)";

// r0 = the sum of an array's values (bpf_for_each_map_elem), plus its return.
const char* kForEach = R"(
stdw [%r10-8], 0
ldmap %r1, 0
ldfunc %r2, cb
mov %r3, %r10
add %r3, -8
mov %r4, 0
call 164
ldxdw %r6, [%r10-8]
mul %r6, 1000
add %r0, %r6
exit
cb:
ldxdw %r5, [%r3]
ldxdw %r0, [%r4]
add %r0, %r5
stxdw [%r4], %r0
mov %r0, 0
exit
)";

verifier::Facts full_facts(const isa::Program& p, std::vector<const maps::Map*> maps = {}) {
    verifier::VerifierInput in;
    in.type = ProgramType::Mem;
    in.helpers = &helpers::HelperTable::builtin();
    for (const maps::Map* m : maps) in.maps.push_back(m->definition());
    verifier::Report r = verifier::check(p, in);
    if (!r.ok()) FAIL(r.rejection->headline);
    return r.facts;
}

// Proven and checked builds of `p` agree with the interpreter, run alone and three times
// in one scope.
void check_both_builds(const isa::Program& p, const helpers::ProgramBindings& b, const verifier::Facts& facts,
                       uint64_t expected) {
    auto interp = run_interpreter(p, b);
    REQUIRE(interp.has_value());
    REQUIRE(*interp == expected);
    for (bool proven : {true, false}) {
        INFO((proven ? "proven" : "checked"));
        auto compiled = jit::compile(p, proven ? facts : verifier::Facts{}, b);
        if (!compiled) FAIL(compiled.error().to_string());
        CHECK(compiled->checked() == !proven);
        std::vector<uint8_t> mem(8);
        auto alone = runtime::run_native_mem(*compiled, mem);
        REQUIRE(alone.has_value());
        CHECK(*alone == expected);

        const runtime::MemoryRegion input{reinterpret_cast<uint64_t>(mem.data()), mem.size(), true};
        engine_abi::ExecutionState state;
        runtime::RunScope scope(*compiled, state);
        for (int run = 0; run < 3; ++run) {
            auto r = scope.run(input.start, input.size, mem, std::span(&input, 1));
            REQUIRE(r.has_value());
            CHECK(*r == expected);
        }
    }
}

} // namespace

TEST_CASE("bpf_loop from proven and checked programs, alone and in a burst") {
    const isa::Program p = program(kLoop);
    check_both_builds(p, bindings(), full_facts(p), 45 * 1000 + 10);
}

TEST_CASE("bpf_for_each_map_elem from proven and checked programs, alone and in a burst") {
    auto map = make_map(BPF_MAP_TYPE_ARRAY, 4, 8, 3);
    for (uint32_t key = 0; key < 3; ++key) {
        const uint64_t value = key + 1;
        REQUIRE(map->update(&key, &value, BPF_ANY) == 0);
    }
    const isa::Program p = program(kForEach);
    check_both_builds(p, bindings({map.get()}), full_facts(p, {map.get()}), 6 * 1000 + 3);
}
