// Pointer leaks (issue 14): each way a program could turn a pointer into data is rejected
// by default with a located reason (the kernel's rules with allow_ptr_leaks off), and gets
// the kernel's privileged verdict with VerifierInput::allow_ptr_leaks. Programs that only
// look like leaks (data_end - data, NULL checks, spills) stay accepted by default.
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include <fmt/format.h>

#include "corpus.hpp"

namespace ebpfjit::verifier::test {

namespace {

VerifierInput privileged(ProgramType t) {
    VerifierInput in = corpus_input(t);
    in.allow_ptr_leaks = true;
    return in;
}

} // namespace

TEST_CASE("pointer leaks: the opt-in is off by default", "[verifier][leaks]") {
    CHECK_FALSE(VerifierInput{}.allow_ptr_leaks);
    CHECK_FALSE(corpus_input(ProgramType::Xdp).allow_ptr_leaks);
}

TEST_CASE("pointer leaks: rejected by default with a located reason", "[verifier][leaks]") {
    for (const LeakCase& c : pointer_leak_cases()) {
        INFO(c.name);
        Report r = check(c.program, corpus_input(c.type));
        REQUIRE_FALSE(r.ok());
        INFO(r.rejection->headline);
        CHECK(to_string(r.rejection->reason) == to_string(c.reason));
        CHECK(r.rejection->insn == c.insn);
        CHECK(r.rejection->headline.starts_with(fmt::format("insn {}: ", c.insn)));
        CHECK(r.rejection->headline.find(c.says) != std::string::npos);
        CHECK(r.error().insn == c.insn);
    }
}

TEST_CASE("pointer leaks: allow_ptr_leaks gives the kernel's privileged verdict", "[verifier][leaks]") {
    for (const LeakCase& c : pointer_leak_cases()) {
        INFO(c.name);
        Report r = check(c.program, privileged(c.type));
        INFO((r.rejection ? r.rejection->headline : std::string("accepted")));
        if (!c.privileged) {
            CHECK(r.ok());
            continue;
        }
        REQUIRE_FALSE(r.ok());
        CHECK(to_string(r.rejection->reason) == to_string(*c.privileged));
    }
}

TEST_CASE("pointer leaks: offsets, NULL checks and spills stay accepted by default", "[verifier][leaks]") {
    for (const CorpusCase& c : pointer_leak_lookalikes()) {
        INFO(c.name);
        Report r = check(c.program, corpus_input(c.type));
        INFO((r.rejection ? r.rejection->headline : std::string("accepted")));
        CHECK(r.ok());
        CHECK(check(c.program, privileged(c.type)).ok());
    }
}

} // namespace ebpfjit::verifier::test
