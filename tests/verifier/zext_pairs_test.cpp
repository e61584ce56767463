// clang's zero extension of a u32 counter, `rX <<= 32; rX >>= 32` (BPF without alu32):
// in the loop pass, the pair gives back the value itself when it was below 2^32, so a check
// on one extended copy (`if r7 > 3`) bounds the counter, and an index made from another
// copy (loxilb's `pss->mh_host[nh] = *ip` after `if (nh <= LLB_MAX_MHOSTS)`) is proven.
// relations.cpp note_shift_out / shift_back.
#include <catch2/catch.hpp>

#include "corpus.hpp"
#include "program_builder.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::verifier::test {

namespace {

// mem program: for (i = 0; i < 100000; i++) if (mem[0] == 7 && (u32)nh <= bound)
// slots[(u32)nh++] = 7; with slots a 4 x u32 stack array at fp-16. The walk gives the loop
// up after 2048 trips, and the loop pass joins the counter nh.
Builder collect(int32_t bound) {
    Builder b;
    b.mov(r6, 0).mov(r3, 0).st(Size::DW, r10, -16, 0).st(Size::DW, r10, -8, 0);
    b.mov(r4, r1).add(r4, 1).mov(r5, r1).add(r5, r2).j(Cond::Gt, r4, r5, "out");
    b.label("loop").ldx(Size::B, r5, r1, 0).j(Cond::Ne, r5, 7, "next");
    b.mov(r7, r6).lsh(r7, 32).rsh(r7, 32).j(Cond::Gt, r7, bound, "next");
    b.mov(r8, r6).lsh(r8, 32).rsh(r8, 32).lsh(r8, 2);
    b.mov(r9, r10).add(r9, -16).add(r9, r8).stx(Size::W, r9, 0, r5).add(r6, 1);
    b.label("next").add(r3, 1).j(Cond::Lt, r3, 100000, "loop");
    b.label("out").mov(r0, r6).exit();
    return b;
}

} // namespace

TEST_CASE("zero-extending shift pairs: a check on one copy bounds the counter", "[verifier][loops][zext]") {
    Report r = check(collect(3).build(), corpus_input(ProgramType::Mem));
    INFO((r.rejection ? r.rejection->headline : std::string("accepted")));
    CHECK(r.ok());
}

TEST_CASE("zero-extending shift pairs: one slot too many is still rejected at the store", "[verifier][loops][zext]") {
    const isa::Program p = collect(4).build();
    Report r = check(p, corpus_input(ProgramType::Mem));
    REQUIRE_FALSE(r.ok());
    CHECK(r.rejection->reason == Reason::StackOutOfBounds);
    CHECK(std::holds_alternative<isa::Store>(p.insns[r.rejection->insn]));
}

TEST_CASE("zero-extending shift pairs: a counter with upper bits is not paired", "[verifier][loops][zext]") {
    // nh is 64-bit data: (nh << 32) >> 32 is its low half, not nh, and an index made from
    // nh itself reaches any offset.
    Builder b;
    b.mov(r3, 0).st(Size::DW, r10, -16, 0).st(Size::DW, r10, -8, 0);
    b.mov(r4, r1).add(r4, 8).mov(r5, r1).add(r5, r2).j(Cond::Gt, r4, r5, "out");
    b.label("loop").ldx(Size::DW, r6, r1, 0).ldx(Size::B, r5, r1, 0).j(Cond::Ne, r5, 7, "next");
    b.mov(r7, r6).lsh(r7, 32).rsh(r7, 32).j(Cond::Gt, r7, 3, "next");
    b.mov(r8, r6).lsh(r8, 2).mov(r9, r10).add(r9, -16).add(r9, r8).stx(Size::W, r9, 0, r5);
    b.label("next").add(r3, 1).j(Cond::Lt, r3, 100000, "loop");
    b.label("out").mov(r0, 0).exit();
    const isa::Program p = b.build();
    Report r = check(p, corpus_input(ProgramType::Mem));
    INFO(r.rejection->headline);
    REQUIRE_FALSE(r.ok());
    // The index is refused where it is added to the stack pointer: nothing bounds it.
    CHECK(r.rejection->reason == Reason::PointerArithmetic);
    const auto* add = std::get_if<isa::Alu>(&p.insns[r.rejection->insn]);
    REQUIRE(add);
    CHECK(add->dst.n == 9);
}

} // namespace ebpfjit::verifier::test
