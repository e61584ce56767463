// Stack bytes a verified program may read before writing them (verifier Facts::stack_zero,
// VerifierInput::allow_uninit_stack) read 0 on both engines, whatever an earlier frame or
// run left there: the JIT zeroes exactly the Facts range at every entry of a frame of the
// subprogram (program entry, local call, callback), the interpreter whole frames. On an
// arm64 build these runs exercise the ARM64 backend; the ARM64 assembler is run here too.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "jit/arm64/compile.hpp"
#include "runtime/run/ebpf_stack.hpp"
#include "runtime/run/native_run.hpp"
#include "tests/callbacks/callback_support.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

verifier::Facts verified(const isa::Program& p) {
    verifier::VerifierInput in;
    in.type = ProgramType::Mem;
    in.helpers = &helpers::HelperTable::builtin();
    verifier::Report r = verifier::check(p, in);
    INFO((r.rejection ? r.rejection->headline : std::string("accepted")));
    REQUIRE(r.ok());
    return r.facts;
}

jit::CompiledProgram compiled(const isa::Program& p, const verifier::Facts& facts) {
    auto c = jit::compile(p, facts, bindings());
    if (!c) FAIL(c.error().message);
    // The other backend lays out the same ranges.
    jit::LoweringOptions options;
    helpers::ProgramBindings b = bindings();
    options.bindings = &b;
    auto lowered = jit::lower(p, facts, options);
    REQUIRE(lowered);
    for (const jit::Subprogram& sub : lowered->subprograms) {
        const verifier::StackZero* z = facts.stack_zero_at(static_cast<uint32_t>(sub.start));
        CHECK(sub.zero_lo == (z ? z->lo : 0));
        CHECK(sub.zero_hi == (z ? z->hi : 0));
    }
    auto arm64 = jit::arm64::assemble(*lowered);
    INFO((arm64 ? std::string("assembled") : arm64.error().message));
    CHECK(arm64);
    return std::move(*c);
}

uint64_t run(const jit::CompiledProgram& c) {
    std::vector<uint8_t> mem(8);
    auto r = runtime::run_native_mem(c, mem);
    if (!r) FAIL(r.error().message);
    return *r;
}

uint64_t interpret(const isa::Program& p) {
    auto r = run_interpreter(p, bindings());
    if (!r) FAIL(r.error().message);
    return *r;
}

} // namespace

TEST_CASE("stack zeroing: a callee reads 0 where the previous callee at its depth left data", "[jit][stack_zero]") {
    // f1 and f2 get the same frame; f2 reads fp-8 and fp-12 (never written in f2).
    const isa::Program p = program(R"(
call local f1
call local f2
exit
f1:
lddw %r1, 0x1122334455667788
stxdw [%r10-8], %r1
stxdw [%r10-16], %r1
mov %r0, 0
exit
f2:
ldxdw %r0, [%r10-8]
ldxw %r1, [%r10-12]
add %r0, %r1
exit
)");
    const verifier::Facts facts = verified(p);
    REQUIRE(facts.stack_zero.size() == 1);
    CHECK(facts.stack_zero[0].lo == -12);
    CHECK(facts.stack_zero[0].hi == 0);
    CHECK(interpret(p) == 0);
    CHECK(run(compiled(p, facts)) == 0);
}

TEST_CASE("stack zeroing: every run of a callback starts with its read bytes zeroed", "[jit][stack_zero]") {
    // Each of 3 runs adds 1 + what it reads at fp-8 (never written before the read), then
    // leaves 100 there for the next run: 3 when zeroed, 203 when not.
    const isa::Program p = program(R"(
stdw [%r10-8], 0
mov %r1, 3
ldfunc %r2, cb
mov %r3, %r10
add %r3, -8
mov %r4, 0
call 181
ldxdw %r0, [%r10-8]
exit
cb:
ldxdw %r3, [%r10-8]
ldxdw %r4, [%r2+0]
add %r4, %r3
add %r4, 1
stxdw [%r2+0], %r4
stdw [%r10-8], 100
mov %r0, 0
exit
)");
    const verifier::Facts facts = verified(p);
    REQUIRE(facts.stack_zero.size() == 1);
    CHECK(facts.stack_zero[0].subprogram_start != 0);
    CHECK(facts.stack_zero[0].lo == -8);
    CHECK(facts.stack_zero[0].hi == 0);
    CHECK(interpret(p) == 3);
    CHECK(run(compiled(p, facts)) == 3);
}

TEST_CASE("stack zeroing: the JIT zeroes exactly the Facts range of the entry frame, before each run",
          "[jit][stack_zero]") {
    // Reads 6 bytes at fp-21 (never written) and writes nothing: after the run, exactly
    // [fp-21, fp-15) of the frame is 0 and the bytes around it hold what was there.
    const isa::Program p = program(R"(
ldxw %r0, [%r10-21]
ldxh %r1, [%r10-17]
add %r0, %r1
exit
)");
    const verifier::Facts facts = verified(p);
    REQUIRE(facts.stack_zero == std::vector<verifier::StackZero>{{0, -21, -15}});
    const jit::CompiledProgram c = compiled(p, facts);
    CHECK(run(c) == 0); // maps this thread's level-0 eBPF stack
    uint8_t* top = runtime::EbpfStacks::level_top(0);
    REQUIRE(top != nullptr);
    std::memset(top - isa::kStackSize, 0xaa, isa::kStackSize); // as an earlier run might leave it
    CHECK(run(c) == 0);
    for (int32_t off = -64; off < 0; ++off) {
        INFO("fp" << off);
        CHECK(top[off] == (off >= -21 && off < -15 ? 0x00 : 0xaa));
    }
    CHECK(interpret(p) == 0);
}

TEST_CASE("stack zeroing: nothing is zeroed when everything read was written", "[jit][stack_zero]") {
    const isa::Program p = program("stdw [%r10-8], 7\nldxdw %r0, [%r10-8]\nexit\n");
    const verifier::Facts facts = verified(p);
    CHECK(facts.stack_zero.empty());
    const jit::CompiledProgram c = compiled(p, facts);
    CHECK(run(c) == 7);
    uint8_t* top = runtime::EbpfStacks::level_top(0);
    REQUIRE(top != nullptr);
    std::memset(top - isa::kStackSize, 0xaa, isa::kStackSize);
    CHECK(run(c) == 7);
    CHECK(top[-9] == 0xaa); // the bytes below the written slot were left alone
}
