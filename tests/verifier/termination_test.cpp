// Termination (verifier/ranking.hpp): a program the loop pass accepts runs under the
// instruction budget unless every loop it reached is ranked — a register grows on every
// way round, within the bounds the head's states hold — and a whole run is then bounded
// by 2^32 instructions. Each unranked case below is one that would be wrong to rank.
#include <catch2/catch.hpp>

#include "corpus.hpp"
#include "program_builder.hpp"
#include "verifier/ranking.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::verifier::test {

namespace {

Report verify_mem(const Builder& b, bool require_proof = false) {
    VerifierInput in = corpus_input(ProgramType::Mem);
    in.require_termination_proof = require_proof;
    return check(b.build(), in);
}

// for (i = 0; i < len; i += step) sum += mem[i]; with r2 = len, r1 = mem.
Builder sum_bytes(int32_t step, bool skip_step_sometimes = false) {
    Builder b;
    b.mov(r0, 0).mov(r3, 0).j(Cond::Ge, r3, r2, "out");
    b.label("loop").mov(r4, r1).add(r4, r3).ldx(Size::B, r5, r4, 0).add(r0, r5);
    if (skip_step_sometimes) b.j(Cond::Eq, r5, 0, "next"); // a zero byte: no step
    b.add(r3, step).label("next").j(Cond::Lt, r3, r2, "loop").label("out").exit();
    return b;
}

} // namespace

TEST_CASE("a loop bounded by the input's length is ranked and needs no budget", "[verifier][termination]") {
    Report r = verify_mem(sum_bytes(1));
    REQUIRE(r.ok());
    CHECK(r.facts.budget_loops.empty());
    REQUIRE(r.facts.ranked_loops.size() == 1);
    const Facts::RankedLoop& l = r.facts.ranked_loops[0];
    CHECK(l.head == 3);
    CHECK(l.counter == 3);
    CHECK(l.min_step == 1);
    CHECK(l.max_trips >= (uint64_t(1) << 27)); // i < len, and len < 2^28 (kMaxMemSize)
    CHECK(l.max_trips <= (uint64_t(1) << 28));
    CHECK(r.facts.run_length_bound > 0);
    CHECK(r.facts.run_length_bound <= kTerminationBound);
    CHECK(verify_mem(sum_bytes(1), /*require_proof=*/true).ok()); // a proof of termination
    Report by4 = verify_mem(sum_bytes(4));
    REQUIRE(by4.ok());
    REQUIRE(by4.facts.ranked_loops.size() == 1);
    CHECK(by4.facts.ranked_loops[0].min_step == 4);
}

TEST_CASE("a counter that does not grow on every way round is not a ranking", "[verifier][termination]") {
    Report r = verify_mem(sum_bytes(1, /*skip_step_sometimes=*/true)); // endless on a zero byte
    REQUIRE(r.ok());
    CHECK(r.facts.ranked_loops.empty());
    CHECK(r.facts.budget_loops == std::vector<uint32_t>{3});
    CHECK_FALSE(verify_mem(sum_bytes(1, true), true).ok());
}

TEST_CASE("a counter that may wrap, shrinks or is reset is not a ranking", "[verifier][termination]") {
    { // 32-bit counter from an unknown u32: w3 += 1 may wrap to 0 and go round again
        Builder g;
        g.mov(r0, 0).j(Cond::Lt, r2, 4, "out").ldx(Size::W, r3, r1, 0).label("l").alu(AluOp::Add, r3, 1, false)
            .j(Cond::Ne, r3, 7, "l").label("out").exit();
        Report r = verify_mem(g);
        if (r.ok()) CHECK(r.facts.ranked_loops.empty());
    }
    { // counts down: i -= 1 while i != 0 ends, but a shrinking counter is not ranked here
        Builder b;
        b.mov(r0, 0).mov(r3, r2).j(Cond::Eq, r3, 0, "out").label("l").sub(r3, 1).j(Cond::Ne, r3, 0, "l").label("out").exit();
        Report r = verify_mem(b);
        if (r.ok()) CHECK(r.facts.ranked_loops.empty());
    }
    { // reset on one way round: for (i = 0; i < len; i++) if (mem[i] == 1) i = 0;
      // (endless for len 2 and mem[1] == 1)
        Builder b;
        b.mov(r0, 0).mov(r3, 0).j(Cond::Ge, r3, r2, "out").label("l").mov(r4, r1).add(r4, r3).ldx(Size::B, r5, r4, 0)
            .j(Cond::Eq, r5, 1, "reset").label("keep").add(r3, 1).j(Cond::Lt, r3, r2, "l").label("out").exit();
        b.label("reset").mov(r3, 0).ja("keep"); // after the exit: the walk counts up first and gives up
        Report r = verify_mem(b);
        INFO((r.ok() ? std::string() : r.rejection->headline));
        REQUIRE(r.ok());
        CHECK(r.facts.ranked_loops.empty());
        CHECK_FALSE(r.facts.budget_loops.empty());
    }
    { // the counter lives in r1-r5 across a helper call, which clobbers it
        Builder b;
        b.mov(r0, 0).mov(r3, 0).label("l").mov(r6, r3).call(7).mov(r3, r6).add(r3, 1).j(Cond::Lt, r3, 1 << 20, "l")
            .exit();
        Report r = verify_mem(b);
        REQUIRE(r.ok()); // r6 carries it across the call: ranked
        REQUIRE(r.facts.ranked_loops.size() == 1);
        CHECK(r.facts.ranked_loops[0].counter == 3);
        Builder c;
        c.mov(r0, 0).mov(r3, 0).label("l").call(7).add(r3, 1).j(Cond::Lt, r3, 1 << 20, "l").exit();
        Report rc = verify_mem(c); // r3 is not initialized after the call: rejected either way
        CHECK_FALSE(rc.ok());
    }
}

// r3 starts below 2^27 and counts down to 0, where it stays: the loop never exits (r3
// never equals 2^28). The path walk's states at the head keep shrinking, so it gives up
// rather than find a repeated state; in the loop pass later arrivals may all be covered by
// the head's first state, and such a head, never joined, is still a loop.
TEST_CASE("an endless loop never ranks, joined at its head or not", "[verifier][termination]") {
    Builder b;
    b.mov(r0, 0).mov(r3, r2).and_(r3, 0x7ffffff);
    b.label("loop").j(Cond::Eq, r3, 0, "zero").add(r3, -1);
    b.label("zero").j(Cond::Ne, r3, 1 << 28, "loop").exit();
    Report r = verify_mem(b);
    if (r.ok()) CHECK(r.facts.budget_loops == std::vector<uint32_t>{3});
    CHECK_FALSE(verify_mem(b, true).ok());
}

TEST_CASE("a run longer than 2^32 instructions keeps the budget although its loops end", "[verifier][termination]") {
    // Two nested loops of 2^20 trips each: both ranked, 2^40 trips of the inner body.
    Builder b;
    b.mov(r0, 0).mov(r3, 0).label("outer").mov(r4, 0).label("inner").add(r4, 1).j(Cond::Lt, r4, 1 << 20, "inner")
        .add(r3, 1).j(Cond::Lt, r3, 1 << 20, "outer").exit();
    Report r = verify_mem(b);
    REQUIRE(r.ok());
    for (const auto& l : r.facts.ranked_loops) INFO("ranked " << l.head << " r" << int(l.counter) << " " << l.max_trips);
    INFO("budget " << (r.facts.budget_loops.empty() ? -1 : int(r.facts.budget_loops[0])));
    CHECK(r.facts.ranked_loops.size() == 2);
    CHECK(r.facts.run_length_bound > kTerminationBound);
    CHECK(r.facts.budget_loops.size() == 2);
    CHECK_FALSE(verify_mem(b, true).ok());
}

} // namespace ebpfjit::verifier::test
