// C programs compiled by clang (-O2 -g -target bpf), read by the ELF loader and verified
// at Full. Each source's first line states its verdict:
//   // verdict: accept
//   // verdict: reject <reason, as verifier::to_string(Reason) spells it>
// and a rejected program marks the offending source line with "REJECT", which the
// headline must quote (BTF line info), so the location is checked too.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "c_object_input.hpp"
#include "corpus.hpp"
#include "runtime/elf/loader.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::verifier::test {

TEST_CASE("C programs get their stated verdicts", "[verifier][c]") {
    size_t programs = 0;
    for (const auto& entry : std::filesystem::directory_iterator(EBPFJIT_VERIFIER_C_SOURCE_DIR)) {
        if (entry.path().extension() != ".c") continue;
        std::ifstream src(entry.path());
        std::string first;
        std::getline(src, first);
        const std::string stem = entry.path().stem().string();
        INFO(stem << ": " << first);
        REQUIRE(first.starts_with("// verdict: "));
        const std::string verdict = first.substr(12);
        auto obj = runtime::elf::read_object_file(std::string(EBPFJIT_VERIFIER_C_OBJECT_DIR) + "/" + stem + ".o");
        REQUIRE(obj.has_value());
        REQUIRE_FALSE(obj->programs.empty());
        for (const auto& prog : obj->programs) {
            ++programs;
            // "(require_termination_proof)": the kernel's verdict on a loop nothing bounds;
            // by default the loop pass accepts it and names the loop (Facts::budget_loops).
            VerifierInput in = c_object_input(*obj, prog);
            in.require_termination_proof = verdict.ends_with("(require_termination_proof)");
            if (in.require_termination_proof) {
                Report by_default = check(prog.program, c_object_input(*obj, prog));
                CHECK(by_default.ok());
                CHECK_FALSE(by_default.facts.budget_loops.empty());
            }
            Report r = check(prog.program, in);
            INFO(prog.name << " " << (r.rejection ? r.rejection->headline : std::string("accepted")));
            if (verdict == "accept") {
                CHECK(r.ok());
                continue;
            }
            REQUIRE(verdict.starts_with("reject "));
            REQUIRE_FALSE(r.ok());
            CHECK(to_string(r.rejection->reason) == verdict.substr(7, verdict.find(" (") - 7));
            CHECK(r.rejection->headline.find("REJECT") != std::string::npos);
        }
    }
    CHECK(programs >= 12);
}

TEST_CASE("C programs: a loop counter in a 4-byte stack slot is walked, as the kernel's narrow spill",
          "[verifier][c][narrow_spill]") {
    // xdp_narrow_spill_loop.c keeps its counter with *(u32 *)(r10 - 8) = r and a 4-byte
    // fill (Calico's IPv6 extension-header loop does the same): with the fill's value the
    // walk runs the 8 trips and ends (224 processed); losing it (bytes read as data) left
    // the counter unknown and the loop to the loop pass (937).
    auto obj = runtime::elf::read_object_file(std::string(EBPFJIT_VERIFIER_C_OBJECT_DIR) + "/xdp_narrow_spill_loop.o");
    REQUIRE(obj.has_value());
    REQUIRE(obj->programs.size() == 1);
    VerifierInput in = c_object_input(*obj, obj->programs[0]);
    in.require_termination_proof = true;
    Report r = check(obj->programs[0].program, in);
    INFO((r.rejection ? r.rejection->headline : std::string("accepted")));
    REQUIRE(r.ok());
    CHECK(r.facts.budget_loops.empty());
    CHECK(r.stats.processed_insns < 400);
}

TEST_CASE("C programs: a short loop entered once for each way another loop ends is walked to the end",
          "[verifier][c][loop_limit]") {
    // socket_name_copy.c (as Inspektor Gadget's trace_sni): the copy loop is entered from
    // every exit of the name loop, up to 128 trips each. The walk's limit counts trips
    // beyond 64 per entry: it proves both loops by enumeration, as the kernel does
    // (32,724 processed on this machine's 6.18). Counting every arrival, the walk gave the
    // copy loop up after 2,048 and the loop pass took over (on trace_sni itself: 666,884
    // processed and 256 MiB, against the kernel's 76,461; 74,181 now).
    auto obj = runtime::elf::read_object_file(std::string(EBPFJIT_VERIFIER_C_OBJECT_DIR) + "/socket_name_copy.o");
    REQUIRE(obj.has_value());
    REQUIRE(obj->programs.size() == 1);
    Report r = check(obj->programs[0].program, c_object_input(*obj, obj->programs[0]));
    INFO((r.rejection ? r.rejection->headline : std::string("accepted")) << ", " << r.stats.processed_insns
                                                                          << " processed");
    REQUIRE(r.ok());
    CHECK(r.facts.ranked_loops.empty()); // no loop pass: its ranking is how it bounds loops
    CHECK(r.facts.budget_loops.empty());
    CHECK(r.stats.processed_insns <= 34'000);
}

} // namespace ebpfjit::verifier::test
