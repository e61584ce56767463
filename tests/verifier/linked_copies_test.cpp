// Copies of a scalar through the stack (the kernel's assign_scalar_id_before_mov on a
// whole-slot spill and fill): a branch on the register bounds the slot too, and precision
// needed by one copy at that branch is needed by all (bt_sync_linked_regs), which is what
// lets a checkpoint ignore an imprecise scalar's links (regsafe). And the kernel's loop
// rule: round a loop through a checkpoint still being explored, states are stored only
// now and then.
#include <catch2/catch.hpp>

#include <string>

#include "corpus.hpp"
#include "program_builder.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::verifier::test {

namespace {

std::string verdict(const Report& r) { return r.rejection ? r.rejection->headline : std::string("accepted"); }

// An unknown bit kept in a stack slot and tested on every one of 8 trips; each trip adds 1
// or 2 to r8, which then indexes a 32-byte stack buffer (so r8 is precise).
isa::Program bit_tested_each_trip() {
    Builder b;
    b.call(7).mov(r6, r0).and_(r6, 1).stx(Size::DW, r10, -8, r6).mov(r6, 0);
    b.mov(r7, 8).mov(r8, 0);
    b.label("loop").ldx(Size::DW, r1, r10, -8).j(Cond::Eq, r1, 0, "even");
    b.add(r8, 1).ja("next");
    b.label("even").add(r8, 2);
    b.label("next").sub(r7, 1).j(Cond::Ne, r7, 0, "loop");
    for (int16_t off = -40; off < -8; off += 8) b.st(Size::DW, r10, off, 0);
    b.mov(r2, r10).add(r2, -40).add(r2, r8).ldx(Size::B, r0, r2, 0).exit();
    return b.build();
}

// Two paths meet at `join`: on the first (walked first) r6 and fp-8 are copies, on the
// second fp-8 holds another unknown. After the join a branch bounds one copy and the other
// indexes an 8-byte buffer: safe on the first path only. `branch_on_fill`: the branch tests
// the slot (filled into r1) and r6 indexes; otherwise the branch tests r6 and the slot's
// fill indexes.
isa::Program copies_then_join(bool branch_on_fill) {
    Builder b;
    b.call(7).mov(r6, r0).call(7).mov(r7, r0).call(7).mov(r9, r0);
    b.stx(Size::DW, r10, -8, r6); // r6 and fp-8: copies
    b.st(Size::DW, r10, -16, 0);  // the buffer the index reads
    b.j(Cond::Ne, r9, 0, "other").ja("join");
    b.label("other").stx(Size::DW, r10, -8, r7); // fp-8: another unknown, not r6's copy
    b.label("join").mov(r0, 0).mov(r0, 0).mov(r0, 0);
    if (branch_on_fill) b.ldx(Size::DW, r1, r10, -8).j(Cond::Gt, r1, 7, "out").mov(r2, r6);
    else b.j(Cond::Gt, r6, 7, "out").ldx(Size::DW, r2, r10, -8);
    b.mov(r3, r10).add(r3, -16).add(r3, r2).ldx(Size::B, r0, r3, 0).exit();
    b.label("out").mov(r0, 0).exit();
    return b.build();
}

} // namespace

TEST_CASE("linked copies: a branch on a fill bounds the slot it came from", "[verifier][pruning]") {
    // One trip decides the bit for all the others: two chains of 8 trips, not one path per
    // value of r8 at each trip.
    Report r = check(bit_tested_each_trip(), corpus_input(ProgramType::Xdp));
    INFO(verdict(r));
    REQUIRE(r.ok());
    INFO("processed " << r.stats.processed_insns);
    CHECK(r.stats.processed_insns <= 150); // 111 here; 1,507 without the links
}

TEST_CASE("linked copies: a checkpoint with copies does not cover a path without them", "[verifier][pruning]") {
    for (bool branch_on_fill : {false, true}) {
        const isa::Program p = copies_then_join(branch_on_fill);
        Report r = check(p, corpus_input(ProgramType::Xdp));
        INFO((branch_on_fill ? "branch on the fill: " : "branch on r6: ") << verdict(r));
        // The first path proves the read through the copy; the second, pruned at the join
        // were the copies not made precise together there, would read at an unknown index.
        REQUIRE_FALSE(r.ok());
        CHECK(r.rejection->insn + 5 == p.size()); // r3 += r2: the index, unbounded there
        CHECK(r.rejection->headline.find("r3 += r2") != std::string::npos);
    }
}

} // namespace ebpfjit::verifier::test

namespace ebpfjit::verifier::test {

namespace {

// As Calico's ICMPv6 reply clamps a length (`sz = len - off; if (sz > 128) sz = 128;
// if (sz <= 0) return;`): clang copies w1 into w9 between the two tests, and w9 indexes
// a 128-byte stack buffer. `wide`: r1 may have an upper half, so the copy is not r1.
isa::Program clamp_through_32bit_copy(bool wide) {
    Builder b;
    b.call(7).mov(r1, r0);
    if (!wide) b.mov32(r1, r1); // a u32 value
    for (int16_t off = -128; off < 0; off += 8) b.st(Size::DW, r10, off, 0);
    b.mov32(r9, 128).j(Cond::SGt, r1, 127, "clamped", /*is32=*/true);
    b.mov32(r9, r1);
    b.label("clamped").j(Cond::SLt, r1, 1, "out", /*is32=*/true);
    b.mov(r3, r10).add(r3, -128).add(r3, r9).ldx(Size::B, r0, r3, -1).exit();
    b.label("out").mov(r0, 0).exit();
    return b.build();
}

} // namespace

TEST_CASE("linked copies: a 32-bit copy of a value with no upper half is linked", "[verifier][pruning]") {
    // The kernel links `w9 = w1` when r1 fits in 32 bits (check_alu_op), so the test of w1
    // after the copy bounds w9: [1, 127] on the path that copied, 128 on the other.
    Report r = check(clamp_through_32bit_copy(false), corpus_input(ProgramType::Xdp));
    INFO(verdict(r));
    CHECK(r.ok());
    // With an upper half, w9 is r1's low half, another value: no link (the kernel clears
    // the copy's id), and the read through w9 is unbounded.
    Report wide = check(clamp_through_32bit_copy(true), corpus_input(ProgramType::Xdp));
    INFO(verdict(wide));
    CHECK_FALSE(wide.ok());
}

} // namespace ebpfjit::verifier::test
