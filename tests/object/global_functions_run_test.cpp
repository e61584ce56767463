// A global function verified once by its BTF prototype (tests/verifier/c/xdp_global_state.c)
// runs on both engines and gives what the same code in C gives.
#include <cstdint>
#include <span>
#include <vector>

#include "object_test_support.hpp"

using namespace ebpfjit;
using namespace object_test;

namespace {

// global_state: six calls of add_byte, each adding the next byte the packet holds.
uint32_t global_state_reference(std::span<const uint8_t> p) {
    uint32_t sum = 7, offset = 0;
    int got = 0;
    for (int call = 0; call < 6; ++call) {
        if (offset + 1 > p.size()) continue;
        sum = sum * 31 + p[offset];
        offset += 1;
        got += 1;
    }
    return (sum + uint32_t(got)) & 0xffff;
}

} // namespace

TEST_CASE("A global function proven on its own runs alike on both engines", "[object][verify][global]") {
    for (const Engine engine : {Engine::Interpreter, Engine::Jit}) {
        Object object = open_object("xdp_global_state");
        auto program = object.program("global_state", ProgramOptions{engine, VerifyLevel::Full});
        INFO((engine == Engine::Jit ? "jit" : "interpreter"));
        if (!program) FAIL(program.error().to_string());
        for (size_t size : {0, 1, 3, 5, 6, 14, 64}) {
            INFO("size " << size);
            std::vector<uint8_t> bytes(size);
            for (size_t i = 0; i < size; ++i) bytes[i] = uint8_t(i * 37 + 11);
            XdpFrame frame;
            REQUIRE(frame.load(bytes));
            auto ran = program->run_xdp(frame);
            if (!ran) FAIL(ran.error().to_string());
            CHECK(ran->returned == global_state_reference(bytes));
        }
    }
}
