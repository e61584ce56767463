// Hardening through the embedding APIs: OpenOptions::hardening and
// ebpfjit_object_open_hardened reach both engines of a clang-built program.
#include "object_test_support.hpp"

#include "ebpfjit/ebpfjit.h"

using namespace ebpfjit;
using namespace object_test;

TEST_CASE("hardened objects: same r0 as plain ones; the budget stops the interpreter", "[object][hardening]") {
    OpenOptions plain_options{ProgramType::Mem};
    OpenOptions hard_options{ProgramType::Mem};
    hard_options.hardening = {.blind_constants = true, .retpoline = true, .instruction_budget = 100000};
    Object plain = open_object("mem_sum", plain_options);
    Object hard = open_object("mem_sum", hard_options);
    Program a = program_of(plain, "sum16");
    Program b = program_of(hard, "sum16");
    for (int round = 0; round < 10; ++round) {
        std::vector<uint8_t> input(16 + round), copy;
        for (size_t i = 0; i < input.size(); ++i) input[i] = uint8_t(round * 29 + i * 13);
        copy = input;
        auto r0a = a.run(input);
        auto r0b = b.run(copy);
        auto r0i = b.run(copy, RunOptions{Engine::Interpreter});
        REQUIRE(r0a);
        REQUIRE(r0b);
        REQUIRE(r0i);
        CHECK(*r0a == *r0b);
        CHECK(*r0a == *r0i);
    }

    OpenOptions tiny{ProgramType::Mem};
    tiny.hardening.instruction_budget = 3;
    Object limited = open_object("mem_sum", tiny);
    std::vector<uint8_t> input(16, 1);
    auto stopped = program_of(limited, "sum16").run(input, RunOptions{Engine::Interpreter});
    REQUIRE_FALSE(stopped);
    CHECK(stopped.error().message == "instruction budget of 3 exceeded");
}

TEST_CASE("C API: ebpfjit_object_open_hardened", "[object][hardening]") {
    char err[256] = {};
    const ebpfjit_open_options options{"mem", EBPFJIT_ENGINE_JIT, EBPFJIT_VERIFY_FULL, 0, 0};
    const ebpfjit_hardening hardening{1, 1, 3};
    ebpfjit_object* object = ebpfjit_object_open_hardened(prog_path("mem_sum").c_str(), &options, &hardening, err,
                                                          sizeof err);
    INFO(err);
    REQUIRE(object != nullptr);
    ebpfjit_program* program = ebpfjit_object_program(object, "sum16", err, sizeof err);
    REQUIRE(program != nullptr);
    std::vector<uint8_t> input(16, 2);
    uint64_t r0 = 0;
    CHECK(ebpfjit_program_run_mem_engine(program, EBPFJIT_ENGINE_INTERP, input.data(), input.size(), &r0, err,
                                         sizeof err) != 0);
    CHECK(std::string(err).find("instruction budget of 3 exceeded") != std::string::npos);
    ebpfjit_object_close(object);
}
