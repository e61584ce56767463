// Preparation verifies at full by default: a rejected program gives a located error and
// never runs; structural level must be asked for.
#include "object_test_support.hpp"

using namespace ebpfjit;
using namespace object_test;

TEST_CASE("a program the verifier rejects is not prepared", "[object][verify]") {
    Object object = open_object("xdp_unchecked");
    auto program = object.program("unchecked");
    REQUIRE_FALSE(program);
    const std::string message = program.error().to_string();
    INFO(message);
    CHECK(message.find("program 'unchecked'") != std::string::npos);
    CHECK(program.error().insn.has_value());
    CHECK(message.find("packet") != std::string::npos);
    CHECK(message.find("xdp_unchecked.c:") != std::string::npos); // BTF line info
}

TEST_CASE("structural level on the interpreter: the bounds check happens at run time", "[object][verify]") {
    Object object = open_object("xdp_unchecked");
    auto program = object.program("unchecked", ProgramOptions{Engine::Interpreter, VerifyLevel::Structural});
    if (!program) FAIL(program.error().to_string());
    XdpFrame frame;
    REQUIRE(frame.load(ether_frame(0x0800, 60)));
    auto ran = program->run_xdp(frame);
    REQUIRE_FALSE(ran);
    CHECK(ran.error().insn.has_value());
}

TEST_CASE("accepted programs keep the verifier's log at the level asked for", "[object][verify]") {
    OpenOptions options;
    options.verifier_log_level = 2; // the state at every instruction
    Object object = open_object("xdp_count", options);
    Program program = program_of(object, "count_frames");
    CHECK_FALSE(program.verifier_log().empty());
}
