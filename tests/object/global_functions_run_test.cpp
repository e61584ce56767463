// Global functions verified once by their BTF prototype (tests/verifier/c/xdp_global_state.c,
// xdp_global_nested.c) run on both engines and give what the same code in C gives.
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

// nested: ten calls of leaf, each adding the next byte the packet holds.
uint32_t nested_reference(std::span<const uint8_t> p) {
    uint32_t sum = 0, n = 0;
    for (int call = 0; call < 10; ++call) {
        if (n > 32 || n + 1 > p.size()) continue;
        sum += p[n];
        n += 1;
    }
    return (sum + n) & 3;
}

} // namespace

TEST_CASE("A global function proven on its own runs alike on both engines", "[object][verify][global]") {
    struct Case {
        const char* object;
        const char* program;
        uint32_t (*reference)(std::span<const uint8_t>);
    };
    for (const Case c : {Case{"xdp_global_state", "global_state", global_state_reference},
                         Case{"xdp_global_nested", "nested", nested_reference}})
    for (const Engine engine : {Engine::Interpreter, Engine::Jit}) {
        Object object = open_object(c.object);
        auto program = object.program(c.program, ProgramOptions{engine, VerifyLevel::Full});
        INFO(c.program << (engine == Engine::Jit ? " jit" : " interpreter"));
        if (!program) FAIL(program.error().to_string());
        for (size_t size : {0, 1, 3, 5, 6, 9, 10, 11, 14, 64}) {
            INFO("size " << size);
            std::vector<uint8_t> bytes(size);
            for (size_t i = 0; i < size; ++i) bytes[i] = uint8_t(i * 37 + 11);
            XdpFrame frame;
            REQUIRE(frame.load(bytes));
            auto ran = program->run_xdp(frame);
            if (!ran) FAIL(ran.error().to_string());
            CHECK(ran->returned == c.reference(bytes));
        }
    }
}
