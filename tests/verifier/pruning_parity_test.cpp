// Pruning as the kernel does it (verifier/pruning.cpp), case by case: each relaxation
// gets a program whose processed-instruction count must drop below a bound (without it
// the count is exponential in the number of diamonds), and an unsafe twin the
// relaxation must not let through.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "corpus.hpp"
#include "program_builder.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::verifier::test {

namespace {

constexpr int kDiamonds = 10;

VerifierInput mem_input() {
    VerifierInput in;
    in.type = ProgramType::Mem;
    in.helpers = &corpus_helpers();
    return in;
}

// kDiamonds diamonds: diamond k tests bit k of the length and on one edge writes slot
// fp-8(k+1) (`written`), on the other does what `other` says; after the last one every
// slot is read and summed into r0.
enum class Other { Nothing, SpillPointer };

isa::Program diamonds(Other other) {
    Builder b;
    b.mov(r6, r1).mov(r0, 0);
    for (int k = 0; k < kDiamonds; ++k) {
        const std::string skip = "skip" + std::to_string(k), join = "join" + std::to_string(k);
        const auto off = int16_t(-8 * (k + 1));
        b.mov(r3, r2).and_(r3, 1 << k).j(Cond::Eq, r3, 0, skip);
        b.st(Size::DW, r10, off, k + 1);
        b.ja(join).label(skip);
        if (other == Other::SpillPointer) b.stx(Size::DW, r10, off, r6);
        else b.mov(r3, 0);
        b.label(join).mov(r4, 0);
    }
    for (int k = 0; k < kDiamonds; ++k) b.ldx(Size::DW, r4, r10, int16_t(-8 * (k + 1))).add(r0, r4);
    b.exit();
    return b.build();
}

// kDiamonds map lookups whose key pointer differs by path (fp-8 or fp-16: states that
// cannot meet before the call), each followed by 30 instructions without a jump. After
// the call the key pointer is gone and both keys are dead: the kernel's prune point
// after every call meets the two paths there. `leak`: the fp-16 path also spills the
// ctx into fp-24, which the end returns (live after every call: never covered).
isa::Program lookups(bool leak) {
    Builder b;
    b.mov(r6, r1).call(7).mov(r7, r0);
    b.st(Size::DW, r10, -24, 0);
    for (int k = 0; k < kDiamonds; ++k) {
        const std::string other = "other" + std::to_string(k), join = "join" + std::to_string(k);
        b.st(Size::DW, r10, -8, k).st(Size::DW, r10, -16, k);
        b.mov(r3, r7).and_(r3, 1 << k).j(Cond::Eq, r3, 0, other);
        b.mov(r2, r10).add(r2, -8).ja(join);
        b.label(other).mov(r2, r10).add(r2, -16);
        if (leak) b.stx(Size::DW, r10, -24, r6);
        b.label(join).ld_map(r1, kHashMap).call(1);
        for (int i = 0; i < 30; ++i) b.mov(r0, i);
    }
    b.ldx(Size::DW, r0, r10, -24).exit();
    return b.build();
}

// A loop head reached from `arrivals` branches of a switch on an unknown; every arrival
// after the first is covered by the checkpoint there (the case value is imprecise).
isa::Program switch_into_loop(int arrivals) {
    Builder b;
    b.call(7).mov(r7, r0).mov(r8, 0);
    for (int k = 0; k < arrivals; ++k) b.j(Cond::Eq, r7, k, "head");
    b.mov(r0, 0).exit();
    b.label("head").add(r8, 1).j(Cond::Lt, r8, 3, "head").mov(r0, 0).exit();
    return b.build();
}

} // namespace

TEST_CASE("pruning: arrivals at a loop head that are pruned there do not count against the walk's loop limit",
          "[verifier][pruning]") {
    // 2,100 arrivals, more than the walk's 2,048 before it leaves a loop to the loop pass;
    // all but the first end at once, so the walk proves the loop itself.
    Report r = check(switch_into_loop(2100), corpus_input(ProgramType::Xdp));
    INFO((r.rejection ? r.rejection->headline : std::string("accepted")));
    REQUIRE(r.ok());
    CHECK(r.facts.budget_loops.empty()); // terminates by proof, not by a run-time budget
    CHECK(r.stats.processed_insns < 4500); // the walk alone: 2 per case + the loop; with a restart ~3x
}

TEST_CASE("pruning: paths meet again right after a helper call, where its arguments are dead",
          "[verifier][pruning]") {
    Report r = check(lookups(false), corpus_input(ProgramType::Xdp));
    INFO((r.rejection ? r.rejection->headline : std::string("accepted")));
    REQUIRE(r.ok());
    // Each diamond's second path ends at the call's return: 10 x (10 + 30) + 10 x 4.
    // Met only at the next diamond's branch instead, it would run its 30 instructions too.
    CHECK(r.stats.processed_insns < 550);

    const isa::Program unsafe = lookups(true);
    Report leak = check(unsafe, corpus_input(ProgramType::Xdp));
    REQUIRE_FALSE(leak.ok());
    INFO(leak.rejection->headline);
    CHECK(leak.rejection->insn + 1 == unsafe.size()); // exit returns the ctx
}

TEST_CASE("pruning: a stored state's data covers bytes the new path never wrote, which are then zeroed",
          "[verifier][pruning]") {
    // The kernel (privileged: allow_uninit_stack) matches an explored STACK_MISC byte with
    // anything; here an unwritten byte matches only once it is added to the zeroed range.
    Report r = check(diamonds(Other::Nothing), mem_input());
    INFO((r.rejection ? r.rejection->headline : std::string("accepted")));
    REQUIRE(r.ok());
    CHECK(r.stats.processed_insns < 400); // 2^10 paths unpruned: over 10,000
    // Every slot some path leaves unwritten is zeroed at entry: the read sees 0.
    REQUIRE(r.facts.stack_zero.size() == 1);
    CHECK(r.facts.stack_zero[0].lo <= -8 * kDiamonds);
    CHECK(r.facts.stack_zero[0].hi == 0);

    // Under the kernel's unprivileged rule an unwritten byte is never read: rejected.
    VerifierInput strict = mem_input();
    strict.allow_uninit_stack = false;
    Report s = check(diamonds(Other::Nothing), strict);
    REQUIRE_FALSE(s.ok());
    CHECK(s.rejection->reason == Reason::UninitializedStackRead);
}

TEST_CASE("pruning: a spilled pointer is never covered by data, even where an unwritten byte would be",
          "[verifier][pruning]") {
    // The unsafe twin: the other edge spills the buffer pointer, which the end adds into
    // r0 and returns (a pointer leak under the default rules).
    Report r = check(diamonds(Other::SpillPointer), mem_input());
    REQUIRE_FALSE(r.ok());
    CHECK(r.rejection->insn >= uint32_t(6 * kDiamonds));
}

} // namespace ebpfjit::verifier::test
