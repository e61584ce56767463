// Precision through a callback's loop: a path that returns from a bpf_loop callback to a
// state still being explored at the helper call is pruned there, a backedge: the
// callback's checkpoints on that path prune only by bounds until the call completes, then
// get what it needed precise (pruning.hpp; before, they kept every scalar precise). A later branch of
// the same callback that needs a value precise must still mark it in the checkpoints
// before the call, though its own checkpoint already has every scalar precise: the
// precision walk used to stop there, as at any checkpoint whose bits were all precise, and
// the caller's slot stayed imprecise before the call, so a second path with an unbounded
// slot was pruned and accepted (found by linked_copies_random_test.cpp; older than the
// copies rule). The kernel refuses the unsafe twin (its big hammer,
// mark_all_scalars_precise, marks every parent state) and accepts the safe one.
#include <catch2/catch.hpp>

#include <string>

#include "corpus.hpp"
#include "program_builder.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::verifier::test {

namespace {

constexpr auto DW = Size::DW;
constexpr int32_t kPrandom = 7, kLoop = 181;

std::string verdict(const Report& r) { return r.rejection ? r.rejection->headline : std::string("accepted"); }

// fp-16 holds r6, bounded by 7 on the first path to `call` (walked first), at least 8 on
// the second (`safe`: the second path bounds it too). The callback reads fp-16 through its
// ctx pointer into r7, then forks on an unknown: the fall-through returns at once (back
// to the bpf_loop call, where it meets the state in progress), the taken edge indexes an
// 8-byte buffer with r7.
isa::Program slot_read_by_callback(bool safe) {
    Builder b;
    b.call(kPrandom).mov(r6, r0).stx(DW, r10, -16, r6);
    b.j(Cond::Gt, r6, 7, safe ? "out" : "call").mov(r0, 0);
    b.label("call").mov(r1, 1).ld_func(r2, "cb").mov(r3, r10).add(r3, -16).mov(r4, 0).call(kLoop);
    b.label("out").mov(r0, 0).exit();
    b.label("cb").mov(r6, r2).ldx(DW, r7, r6, 0).st(DW, r10, -8, 0);
    b.call(kPrandom).mov(r8, r0).j(Cond::Gt, r8, 7, "use").mov(r0, 0).exit();
    b.label("use").mov(r3, r10).add(r3, -8).add(r3, r7).ldx(Size::B, r0, r3, 0).mov(r0, 0).exit();
    return b.build();
}

// The caller's fp-16 holds 1, the callback's index into its 8-byte buffer at `use`. A
// round forks first on whether to use it (`use` is walked last), then on whether to keep
// it or make it 100; both ways meet at `join` and end the round. The keeping way, walked
// first, returns to the bpf_loop call equal to the state in progress there: a backedge,
// so its checkpoint at `join` awaits the loop (pruning.hpp). The other way reaches `join`
// with 100 before `use` has shown that the index matters: pruned there by the imprecise
// 1, the next round's `use` with 100 would never be walked.
isa::Program index_changed_by_a_round() {
    Builder b;
    b.st(DW, r10, -16, 1).mov(r1, 2).ld_func(r2, "cb").mov(r3, r10).add(r3, -16).mov(r4, 0).call(kLoop);
    b.mov(r0, 0).exit();
    b.label("cb").mov(r6, r2).st(DW, r10, -8, 0);
    b.call(kPrandom).j(Cond::Gt, r0, 7, "use");
    b.call(kPrandom).j(Cond::Gt, r0, 7, "change");
    b.label("join").mov(r0, 0).exit();
    b.label("change").st(DW, r6, 0, 100).ja("join");
    b.label("use").ldx(DW, r7, r6, 0).mov(r3, r10).add(r3, -8).add(r3, r7).ldx(Size::B, r0, r3, 0);
    b.mov(r0, 0).exit();
    return b.build();
}

} // namespace

TEST_CASE("callback precision: a round's checkpoint on a backedge prunes only by bounds until the loop completes",
          "[verifier][pruning][callbacks]") {
    Report r = check(index_changed_by_a_round(), corpus_input(ProgramType::Xdp));
    INFO(verdict(r));
    REQUIRE_FALSE(r.ok());
}

TEST_CASE("callback precision: a value needed after the callback's loop-head prune reaches the caller's checkpoints",
          "[verifier][pruning][callbacks]") {
    Report safe = check(slot_read_by_callback(true), corpus_input(ProgramType::Xdp));
    INFO("safe: " << verdict(safe));
    CHECK(safe.ok());
    Report r = check(slot_read_by_callback(false), corpus_input(ProgramType::Xdp));
    INFO("unsafe: " << verdict(r));
    REQUIRE_FALSE(r.ok());
}

} // namespace ebpfjit::verifier::test
