// Reads of stack bytes no path proved written (VerifierInput::allow_uninit_stack, on by
// default): accepted as unknown scalars, recorded per subprogram in Facts::stack_zero for
// the engines to zero, while a spilled pointer's bytes stay unreadable as data. The corpus
// states the strict rules (corpus_input); here its uninitialised-stack rejections are
// accepted by default, and issue 17's record array (mem_c/stack_records.c) runs on both
// engines with the native result. The engines' zeroing: tests/jit/stack_zero_test.cpp.
#include <catch2/catch.hpp>

#include <array>
#include <vector>

#include "corpus.hpp"
#include "isa/assembler.hpp"
#include "jit/compiler.hpp"
#include "program_builder.hpp"
#include "runtime/elf/loader.hpp"
#include "runtime/interpreter.hpp"
#include "runtime/run/native_run.hpp"
#include "verifier/verifier.hpp"

#ifdef EBPFJIT_VERIFIER_MEM_C_OBJECT_DIR
#include "mem_c/stack_records.h"
#endif

namespace ebpfjit::verifier::test {

namespace {

VerifierInput defaults(ProgramType type) {
    VerifierInput in = corpus_input(type);
    in.allow_uninit_stack = VerifierInput{}.allow_uninit_stack;
    return in;
}

VerifierInput mem_input() {
    VerifierInput in;
    in.type = ProgramType::Mem;
    in.helpers = &helpers::HelperTable::builtin();
    return in;
}

Facts verified(const std::string& text) {
    auto program = isa::assemble(text);
    REQUIRE(program);
    Report r = check(*program, mem_input());
    INFO((r.rejection ? r.rejection->headline : std::string("accepted")));
    REQUIRE(r.ok());
    return r.facts;
}

} // namespace

TEST_CASE("uninitialised stack: accepted by default, the kernel's unprivileged rule as an option",
          "[verifier][uninit_stack]") {
    CHECK(VerifierInput{}.allow_uninit_stack);
    auto program = isa::assemble("ldxdw %r0, [%r10-16]\nexit");
    REQUIRE(program);
    Report r = check(*program, mem_input());
    REQUIRE(r.ok());
    CHECK(r.facts.stack_zero == std::vector<StackZero>{{0, -16, -8}});
    VerifierInput strict = mem_input();
    strict.allow_uninit_stack = false;
    Report s = check(*program, strict);
    REQUIRE_FALSE(s.ok());
    CHECK(s.rejection->reason == Reason::UninitializedStackRead);
    CHECK(s.rejection->insn == 0);
}

TEST_CASE("uninitialised stack: Facts name exactly the bytes read before written, per subprogram",
          "[verifier][uninit_stack]") {
    // Entry: reads [fp-24, fp-20) and [fp-2, fp0) unwritten, [fp-16, fp-8) after writing
    // it; the callee (slot 9) reads 2 unwritten bytes at fp-6 and a written word.
    Facts f = verified(R"(
        stdw [%r10-16], 1
        ldxdw %r6, [%r10-16]
        ldxw %r7, [%r10-24]
        ldxh %r8, [%r10-2]
        call local callee
        add %r0, %r6
        add %r0, %r7
        add %r0, %r8
        exit
    callee:
        stw [%r10-40], 3
        ldxw %r0, [%r10-40]
        ldxh %r4, [%r10-6]
        add %r0, %r4
        exit)");
    CHECK(f.stack_zero == std::vector<StackZero>{{0, -24, 0}, {9, -6, -4}});

    // Everything written first: nothing to zero.
    CHECK(verified("stdw [%r10-8], 5\nldxdw %r0, [%r10-8]\nexit").stack_zero.empty());

    // A variable-offset read (2 bytes at fp-32 + {0, 8, 16, 24}): every byte of the range
    // it may touch, [fp-32, fp-6), that is not written ([fp-32, fp-30) and [fp-8, fp-6) are).
    Facts v = verified(R"(
        mov %r0, 0
        jlt %r2, 1, out
        ldxb %r3, [%r1+0]
        sth [%r10-32], 1
        sth [%r10-8], 2
        and %r3, 24
        mov %r4, %r10
        add %r4, -32
        add %r4, %r3
        ldxh %r0, [%r4+0]
    out:
        exit)");
    CHECK(v.stack_zero == std::vector<StackZero>{{0, -30, -8}});
}

TEST_CASE("uninitialised stack: a helper's write may miss any byte, so unwritten bytes it covers are still zeroed",
          "[verifier][uninit_stack]") {
    // bpf_snprintf stops after the NUL and writes nothing on a bad format, the *_str reads
    // stop after the NUL, a pop from an empty queue writes nothing: bytes under a helper's
    // buffer that nothing wrote before must read as 0, not as what the frame held (another
    // run's spilled pointer). Bytes written before keep their (now unknown) data.
    Facts f = verified(R"(
        stdw [%r10-8], 7
        mov %r1, %r10
        add %r1, -16
        mov %r2, 16
        call 16
        ldxdw %r0, [%r10-16]
        ldxdw %r6, [%r10-8]
        add %r0, %r6
        exit)");
    CHECK(f.stack_zero == std::vector<StackZero>{{0, -16, -8}});
}

TEST_CASE("uninitialised stack: the corpus's strict rejections are accepted by default, with their ranges",
          "[verifier][uninit_stack]") {
    size_t seen = 0;
    for (const CorpusCase& c : build_corpus()) {
        if (c.accept || c.reason != Reason::UninitializedStackRead) continue;
        ++seen;
        INFO(c.name);
        Report r = check(c.program, defaults(c.type));
        INFO((r.rejection ? r.rejection->headline : std::string("accepted")));
        REQUIRE(r.ok());
        REQUIRE(r.facts.stack_zero.size() == 1);
        const StackZero& z = r.facts.stack_zero[0];
        CHECK(z.subprogram_start == 0);
        CHECK(z.lo < z.hi);
        if (c.name == "stack_uninit_read") CHECK(z == StackZero{0, -8, 0});
        if (c.name == "stack_half_init_read") CHECK(z == StackZero{0, -4, 0}); // fp-8..-5 written
        if (c.name == "lookup_uninit_key") CHECK(z == StackZero{0, -4, 0});     // the 4-byte key
        if (c.name == "helper_size_past_stack_init") CHECK(z == StackZero{0, -16, -8});
    }
    CHECK(seen == 4);
    for (const LeakCase& c : pointer_leak_cases()) {
        if (c.name != "variable_offset_write_over_uninit") continue;
        ++seen;
        // The write may miss any byte of [fp-16, fp-1): what it did not write, and fp-1,
        // stay unwritten for the read of [fp-8, fp0), which is zeroed.
        Report r = check(c.program, defaults(c.type));
        REQUIRE(r.ok());
        CHECK(r.facts.stack_zero == std::vector<StackZero>{{0, -8, 0}});
    }
    CHECK(seen == 5);
}

TEST_CASE("uninitialised stack: a spilled pointer is still never read as data", "[verifier][uninit_stack]") {
    // Issue 17's leak rule: a variable-offset read that may cover a spill is rejected, as
    // are partial reads of one and helper memory that holds one, with the default rules.
    for (const LeakCase& c : pointer_leak_cases()) {
        if (c.name == "variable_offset_write_over_uninit") continue; // the case above
        INFO(c.name);
        Report r = check(c.program, defaults(c.type));
        REQUIRE_FALSE(r.ok());
        CHECK(r.rejection->reason == c.reason);
        CHECK(r.rejection->insn == c.insn);
    }
    // Spill at fp-8, unwritten fp-16: a variable read over both.
    Builder b;
    b.call(7).and_(r0, 8).stx(Size::DW, r10, -8, r10).mov(r1, r10).add(r1, -16).add(r1, r0);
    const size_t at = b.size();
    b.ldx(Size::DW, r0, r1, 0).exit();
    Report r = check(b.build(), defaults(ProgramType::Xdp));
    REQUIRE_FALSE(r.ok());
    CHECK(r.rejection->reason == Reason::InvalidSpillAccess);
    CHECK(r.rejection->insn == at);
}

#ifdef EBPFJIT_VERIFIER_MEM_C_OBJECT_DIR
TEST_CASE("uninitialised stack: issue 17's record array, verified at Full, gives the native result on both engines",
          "[verifier][uninit_stack][c]") {
    runtime::elf::ReadOptions options;
    options.type_override = ProgramType::Mem;
    auto obj = runtime::elf::read_object_file(std::string(EBPFJIT_VERIFIER_MEM_C_OBJECT_DIR) + "/stack_records.o",
                                              options);
    REQUIRE(obj);
    REQUIRE(obj->programs.size() == 1);
    const auto& prog = obj->programs[0];

    VerifierInput strict = mem_input();
    strict.allow_uninit_stack = false;
    for (const auto& li : prog.line_info) strict.line_info.push_back({li.slot, li.to_string()});
    Report rejected = check(prog.program, strict);
    REQUIRE_FALSE(rejected.ok());
    CHECK(rejected.rejection->reason == Reason::UninitializedStackRead);
    CHECK(rejected.rejection->headline.find("REJECT") != std::string::npos);

    Report r = check(prog.program, mem_input());
    INFO((r.rejection ? r.rejection->headline : std::string("accepted")));
    REQUIRE(r.ok());
    // The padding of the 8 records ([fp-64, fp0), 8 bytes each, tag at +0, value at +4).
    REQUIRE(r.facts.stack_zero.size() == 1);
    CHECK(r.facts.stack_zero[0].lo >= -64);
    CHECK(r.facts.stack_zero[0].hi <= 0);

    const helpers::ProgramBindings bindings;
    runtime::Interpreter interpreter(prog.program, bindings);
    auto compiled = jit::compile(prog.program, r.facts, bindings);
    INFO((compiled ? std::string("compiled") : compiled.error().message));
    REQUIRE(compiled);
    uint32_t seed = 17;
    for (size_t len : {0, 9, 10, 10, 16, 64, 64, 64}) {
        std::vector<uint8_t> mem(len);
        for (uint8_t& m : mem) m = uint8_t((seed = seed * 1103515245u + 12345u) >> 16);
        const uint64_t native = stack_records_body(mem.data(), mem.size());
        auto interp = interpreter.run_mem(mem);
        REQUIRE(interp);
        auto jitted = runtime::run_native_mem(*compiled, mem);
        REQUIRE(jitted);
        INFO("len " << len);
        CHECK(*interp == native);
        CHECK(*jitted == native);
    }
}
#endif

} // namespace ebpfjit::verifier::test
