// Every corpus program gets its verdict: accepted, or rejected for the expected rule at
// the expected instruction, with a located one-line headline.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdlib>

#include "corpus.hpp"

namespace ebpfjit::verifier::test {

TEST_CASE("corpus has at least 150 programs, accept and reject", "[verifier][corpus]") {
    auto corpus = build_corpus();
    size_t accepted = 0, rejected = 0;
    for (const auto& c : corpus) (c.accept ? accepted : rejected)++;
    CHECK(corpus.size() >= 150);
    CHECK(accepted >= 60);
    CHECK(rejected >= 60);
}

TEST_CASE("corpus verdicts", "[verifier][corpus]") {
    for (const CorpusCase& c : build_corpus()) {
        VerifierInput in = corpus_input(c.type);
        in.require_termination_proof = c.require_termination_proof;
        Report r = check(c.program, in);
        INFO(c.name);
        if (c.accept) {
            INFO((r.rejection ? r.rejection->headline : std::string{}));
            CHECK(r.ok());
            CHECK(r.stats.processed_insns < 100'000);
            continue;
        }
        REQUIRE_FALSE(r.ok());
        INFO(r.rejection->headline);
        CHECK(to_string(r.rejection->reason) == to_string(c.reason));
        if (c.insn != 0xffffffff) CHECK(r.rejection->insn == c.insn);
        // One located line: "insn N: ..."
        CHECK(r.rejection->headline.starts_with(fmt::format("insn {}: ", r.rejection->insn)));
        CHECK(r.rejection->headline.find('\n') == std::string::npos);
        Error e = r.error();
        CHECK(e.insn == r.rejection->insn);
    }
}

// VERIFIER_CASE=name prints that case's level-2 log (a debugging aid).
TEST_CASE("corpus case log", "[verifier][corpus][.debug]") {
    const char* name = std::getenv("VERIFIER_CASE");
    if (!name) return;
    for (const CorpusCase& c : build_corpus())
        if (c.name == name) {
            VerifierInput in = corpus_input(c.type);
            in.log_level = 2;
            Report r = check(c.program, in);
            WARN(r.log);
        }
}

TEST_CASE("structural level accepts loops and skips typing", "[verifier][corpus]") {
    for (const CorpusCase& c : build_corpus()) {
        Report r = check(c.program, corpus_input(c.type, Level::Structural));
        INFO(c.name);
        bool structural_rule = !c.accept && c.reason < Reason::Unsupported &&
                               c.reason != Reason::CombinedStackTooLarge; // needs Full's stack depths
        if (c.accept) CHECK(r.ok());
        if (structural_rule) {
            REQUIRE_FALSE(r.ok());
            CHECK(r.rejection->reason == c.reason);
            CHECK(r.rejection->insn == c.insn);
        }
    }
}

} // namespace ebpfjit::verifier::test

namespace ebpfjit::verifier::test {

// The corpus's helper table mirrors the builtin one: same prototype wherever both have a
// helper, so the corpus checks calls the way real programs are checked.
TEST_CASE("corpus helper prototypes match the builtin table", "[verifier][corpus]") {
    size_t compared = 0;
    for (const auto& [id, h] : corpus_helpers().all()) {
        const helpers::Helper* b = helpers::HelperTable::builtin().find(id);
        if (!b) continue;
        INFO(h.name);
        CHECK(b->proto.ret == h.proto.ret);
        CHECK(b->proto.args == h.proto.args);
        ++compared;
    }
    CHECK(compared >= 12);
}

} // namespace ebpfjit::verifier::test
