// Copies through a callback's loop: the caller spills one unknown to two slots (copies, one
// id); the bpf_loop callback reads both through its ctx pointer, bounds one by a branch and
// indexes its stack with the other. The branch bounds both slots, so at the callback's
// return they changed and are widened (the kernel's widen_imprecise_scalars): they must
// stay copies of each other, or the next run indexes with an unbounded value and a
// program the kernel accepts is rejected. Twins: two different unknowns, and a callback
// that overwrites one slot after using it; both must be rejected.
#include <catch2/catch.hpp>

#include <string>

#include "corpus.hpp"
#include "program_builder.hpp"
#include "verifier/verifier.hpp"
#include "verify_text.hpp"

namespace ebpfjit::verifier::test {

namespace {

constexpr auto DW = Size::DW;
constexpr int32_t kPrandom = 7, kLoop = 181;

enum class Variant { Copies, TwoValues, Overwritten };

isa::Program spilled_twice(Variant v) {
    Builder b;
    b.call(kPrandom).mov(r6, r0).stx(DW, r10, -16, r6);
    if (v == Variant::TwoValues) b.call(kPrandom).mov(r6, r0);
    b.stx(DW, r10, -24, r6);
    b.mov(r1, 8).ld_func(r2, "cb").mov(r3, r10).add(r3, -24).mov(r4, 0).call(kLoop);
    b.mov(r0, 0).exit();
    // r7: fp-24 of the caller, r8: its fp-16.
    b.label("cb").mov(r6, r2).ldx(DW, r7, r6, 0).ldx(DW, r8, r6, 8).st(DW, r10, -8, 0);
    b.j(Cond::Gt, r7, 7, "ret");
    b.mov(r3, r10).add(r3, -8).add(r3, r8).ldx(Size::B, r0, r3, 0);
    if (v == Variant::Overwritten) b.call(kPrandom).stx(DW, r6, 8, r0);
    b.label("ret").mov(r0, 0).exit();
    return b.build();
}

} // namespace

TEST_CASE("callback copies: slots that are copies stay copies when the callback's return widens them",
          "[verifier][callbacks]") {
    Report copies = check(spilled_twice(Variant::Copies), corpus_input(ProgramType::Xdp));
    INFO("copies: " << headline(copies));
    CHECK(copies.ok());
    for (Variant v : {Variant::TwoValues, Variant::Overwritten}) {
        Report r = check(spilled_twice(v), corpus_input(ProgramType::Xdp));
        INFO((v == Variant::TwoValues ? "two values: " : "overwritten: ") << headline(r));
        REQUIRE_FALSE(r.ok());
        CHECK((r.rejection->reason == Reason::PointerArithmetic || r.rejection->reason == Reason::StackOutOfBounds));
    }
}

} // namespace ebpfjit::verifier::test
