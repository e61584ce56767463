// The loop pass's join must not turn a spilled pointer into bytes a read may take as
// never written (the prologue zeroes those, so such reads are allowed): a stack slot that
// holds 0 on the first trip and the mem pointer on later ones, copied out byte by byte
// at a variable offset, leaked the host address (found by the pipeline fuzzer,
// tests/fuzz/regressions/pipeline_soundness/join-pointer-spill-leak).
#include <catch2/catch.hpp>

#include "corpus.hpp"
#include "program_builder.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::verifier::test {

namespace {

// A first loop the path walk gives up on (it runs len times, continuing by fall-through),
// so that the loop pass verifies the second one: it copies fp-8's bytes into mem[0..7],
// storing the mem pointer (or, `spill_pointer` false, a number) into fp-8 on every trip.
Builder copy_loop(bool spill_pointer) {
    Builder b;
    b.mov(r6, r1).mov(r8, 0).label("first").add(r8, 1).j(Cond::Ge, r8, r2, "second").ja("first");
    b.label("second").j(Cond::Lt, r2, 8, "out").st(Size::DW, r10, -8, 0).mov(r7, 0);
    b.label("copy").mov(r3, r10).add(r3, -8).add(r3, r7).ldx(Size::B, r4, r3, 0);
    b.mov(r5, r6).add(r5, r7).stx(Size::B, r5, 0, r4);
    if (spill_pointer) b.stx(Size::DW, r10, -8, r6);
    else b.stx(Size::DW, r10, -8, r8);
    b.add(r7, 1).j(Cond::Lt, r7, 8, "copy").label("out").mov(r0, 0).exit();
    return b;
}

VerifierInput as_the_runtime_verifies() {
    VerifierInput in = corpus_input(ProgramType::Mem);
    in.allow_uninit_stack = true; // the runtime's default (its prologue zeroes such bytes)
    return in;
}

} // namespace

TEST_CASE("a pointer spilled on later trips of a loop is not joined into readable bytes", "[verifier][leaks][loops]") {
    Report leak = check(copy_loop(true).build(), as_the_runtime_verifies());
    INFO((leak.ok() ? std::string("accepted") : leak.rejection->headline));
    REQUIRE_FALSE(leak.ok());
    CHECK(leak.rejection->reason == Reason::InvalidSpillAccess);
    CHECK(leak.rejection->insn == 11); // the variable-offset read of fp-8
    Report data = check(copy_loop(false).build(), as_the_runtime_verifies());
    INFO((data.ok() ? std::string("accepted") : data.rejection->headline));
    CHECK(data.ok()); // the same loop copying a number out is fine
}

} // namespace ebpfjit::verifier::test
