// The verifier ends on hostile shapes that used to make state comparison super-linear:
// full stacks in deep call chains, many distinct states per instruction, long branchy
// code. Each must end (accepted, or rejected as too complex) within the complexity
// limits; the whole file runs in well under a second (bench/verify_time times it).
#include <catch2/catch.hpp>

#include <string>

#include "corpus.hpp"
#include "program_builder.hpp"

namespace ebpfjit::verifier::test {

namespace {

// `diamonds` times: r7 = 2*r7 (+1 if a random number > 100): 2^diamonds distinct r7 values
// reach each join, and r7 is later a stack offset, so it is precise and nothing prunes.
// Every frame fills `slots` stack slots first, so each state is large.
Builder hostile(int frames, int slots, int diamonds) {
    Builder b;
    for (int f = 0; f < frames; ++f) {
        for (int s = 1; s <= slots; ++s) b.st(Size::DW, r10, int16_t(-8 * s), s * 7 + f);
        if (f + 1 < frames) {
            b.call_local("f" + std::to_string(f + 1)).mov(r0, 0).exit();
            b.label("f" + std::to_string(f + 1));
        }
    }
    b.mov(r7, 0);
    for (int d = 0; d < diamonds; ++d) {
        const std::string join = "j" + std::to_string(d);
        b.call(7).lsh(r7, 1).j(Cond::Gt, r0, 100, join).add(r7, 1).label(join); // a fresh unknown each time
    }
    b.and_(r7, 7).mov(r8, r10).sub(r8, 8).add(r8, r7).ldx(Size::B, r0, r8, 0).exit();
    return b;
}

} // namespace

TEST_CASE("hostile state shapes end within the limits", "[verifier][limits]") {
    struct Shape {
        int frames, slots, diamonds;
    };
    const Shape shapes[] = {{1, 64, 40}, {8, 8, 40}, {2, 32, 60}, {4, 16, 30}, {1, 4, 200}};
    for (const Shape& sh : shapes) {
        INFO("frames " << sh.frames << " slots " << sh.slots << " diamonds " << sh.diamonds);
        Builder b = hostile(sh.frames, sh.slots, sh.diamonds);
        VerifierInput in = corpus_input(ProgramType::Xdp);
        in.complexity_limit = 50'000; // the shapes explode: stop early, the cost per insn is the point
        Report r = check(b.build(), in);
        INFO((r.rejection ? r.rejection->headline : std::string("accepted")) << ", processed "
                                                                             << r.stats.processed_insns);
        CHECK(r.stats.processed_insns <= in.complexity_limit + 1);
        REQUIRE_FALSE(r.ok());
        CHECK(r.rejection->reason == Reason::ComplexityLimit);
    }
}

} // namespace ebpfjit::verifier::test
