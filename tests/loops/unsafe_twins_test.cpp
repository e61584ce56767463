// Each safe program's unsafe twin (progs/<name>.c built with -DLOOP_UNSAFE_TWIN: one bug)
// is rejected at Full verification, with a message that names the instruction.
//   [unsafe]        rejected, located (Object::program's Error and verify_object agree on
//                   the instruction, and the headline names it): holds today, though most
//                   twins are rejected today for the wrong reason (complexity, uninitialised
//                   stack)
//   [full][unsafe]  rejected as out of bounds in the region the bug reaches, at a load or
//                   store, with the state of the register it goes through (issue 17:
//                   "nothing unsafe gets through", for the right reason)
#include "loop_programs.hpp"

#include <algorithm>
#include <regex>

#include "ebpfjit/verify.hpp"

using namespace ebpfjit;
using namespace loops_test;

namespace {

VerifyReport verify_twin(const std::string& stem) {
    VerifyOptions options;
    options.program_type = ProgramType::Mem;
    options.program = "loop_" + stem;
    auto reports = verify_object(object_path(stem + "_unsafe"), options);
    if (!reports) FAIL(reports.error().to_string());
    REQUIRE(reports->size() == 1);
    return reports->front();
}

void check_rejected_and_located(const std::string& stem) {
    OpenOptions options;
    options.program_type = ProgramType::Mem;
    auto object = Object::open(object_path(stem + "_unsafe"), options);
    if (!object) FAIL(object.error().to_string());
    auto program = object->program("loop_" + stem);
    REQUIRE_FALSE(program);
    const Error& error = program.error();
    INFO(error.to_string());
    REQUIRE(error.insn.has_value());

    const VerifyReport report = verify_twin(stem);
    INFO(report.headline);
    REQUIRE_FALSE(report.accepted);
    CHECK(report.insn == *error.insn);
    CHECK(report.headline.find(fmt::format("insn {}", report.insn)) != std::string::npos);
    CHECK(report.insn < report.instructions);
    CHECK_FALSE(report.reason.empty());
}

void check_rejected_out_of_bounds(const std::string& stem, BugRegion region) {
    const VerifyReport report = verify_twin(stem);
    INFO(report.headline);
    REQUIRE_FALSE(report.accepted);
    const std::vector<std::string> reasons = out_of_bounds_reasons(region);
    CHECK(std::find(reasons.begin(), reasons.end(), report.reason) != reasons.end());
    // The state of the register the access goes through ("r4 = fp(off=-64, ...)") in the
    // explanation: after "insn N: <the instruction>: ", before the quoted source line.
    const std::string insn_prefix = fmt::format("insn {}: ", report.insn);
    const size_t at = report.headline.find(insn_prefix);
    REQUIRE(at != std::string::npos);
    const size_t text = report.headline.find(": ", at + insn_prefix.size());
    REQUIRE(text != std::string::npos);
    const std::string explanation = report.headline.substr(text, report.headline.find(" (source:") - text);
    const std::string instruction = report.headline.substr(at + insn_prefix.size(), text - at - insn_prefix.size());
    CHECK(instruction.find("*(u") != std::string::npos); // a load or a store: "r4 = *(u8 *)(r4 + 0)"
    CHECK(std::regex_search(explanation, std::regex(R"(r\d+ = \S)")));
}

} // namespace

#define EBPFJIT_LOOP_TWIN_CASES(name, region)                                                                        \
    TEST_CASE(#name " unsafe twin: rejected at Full with the instruction named", "[unsafe][" #name "]") {             \
        check_rejected_and_located(#name);                                                                           \
    }                                                                                                                \
    TEST_CASE(#name " unsafe twin: rejected as out of bounds (" #region ")", "[full][unsafe][" #name "]") {           \
        check_rejected_out_of_bounds(#name, BugRegion::region);                                                      \
    }
EBPFJIT_LOOP_PROGRAMS(EBPFJIT_LOOP_TWIN_CASES)
