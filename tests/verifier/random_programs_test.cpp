// Robustness: random well-formed IR (every instruction kind, random registers, offsets,
// jump targets and helper ids) never crashes or hangs the verifier, and every verdict
// is either acceptance or a located rejection.
#include <catch2/catch.hpp>

#include "corpus.hpp"

namespace ebpfjit::verifier::test {

TEST_CASE("random programs: no crash, no hang, located verdicts", "[verifier][random]") {
    std::mt19937_64 rng(7);
    const ProgramType types[] = {ProgramType::Mem, ProgramType::Xdp, ProgramType::SchedCls, ProgramType::SocketFilter};
    size_t accepted = 0;
    for (int iter = 0; iter < 4000; ++iter) {
        isa::Program p = random_program(rng, 32);
        VerifierInput in = corpus_input(types[rng() % 4], rng() % 4 == 0 ? Level::Structural : Level::Full);
        Report r = check(p, in);
        if (r.ok()) {
            ++accepted;
            CHECK(r.facts.reachable.size() == p.size());
        } else {
            CHECK(r.rejection->insn < p.size());
            CHECK_FALSE(r.rejection->headline.empty());
        }
    }
    CHECK(accepted > 100);
}

} // namespace ebpfjit::verifier::test
