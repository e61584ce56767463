// The allow_ptr_leaks opt-in through the embedding APIs: off by default (a program that
// stores a stack address into a map is rejected with the located reason), on through
// OpenOptions / ProgramOptions / ebpfjit_open_options (the program then runs on both
// engines and the map holds an address).
#include "object_test_support.hpp"

#include "ebpfjit/ebpfjit.h"

using namespace ebpfjit;
using namespace object_test;

namespace {

constexpr const char* kLeak = "stack_address_into_map";

bool mentions(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

} // namespace

TEST_CASE("allow_ptr_leaks is off by default in OpenOptions and ProgramOptions", "[object][leaks]") {
    CHECK_FALSE(OpenOptions{}.allow_ptr_leaks);
    CHECK_FALSE(ProgramOptions{}.allow_ptr_leaks.has_value());
    Object object = open_object("ptr_leak", OpenOptions{ProgramType::Mem});
    auto program = object.program(kLeak);
    REQUIRE_FALSE(program);
    INFO(program.error().to_string());
    CHECK(mentions(program.error().to_string(), "leaks addr into map value"));
    CHECK(program.error().insn.has_value()); // located at the store
}

TEST_CASE("allow_ptr_leaks: the kernel's privileged rules accept the program; both engines run it",
          "[object][leaks]") {
    OpenOptions options{ProgramType::Mem};
    options.allow_ptr_leaks = true;
    Object object = open_object("ptr_leak", options);
    Program program = program_of(object, kLeak);
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        INFO(to_string(engine));
        auto map = object.map("addresses");
        REQUIRE(map);
        REQUIRE(map->update(bytes_of(uint32_t(0)), bytes_of(uint64_t(0)), 0) == 0);
        std::vector<uint8_t> input(4);
        auto r0 = program.run(input, RunOptions{engine});
        REQUIRE(r0);
        CHECK(*r0 == 0);
        CHECK(u64_at(*map, 0) != 0); // an address of the run's stack
    }
}

TEST_CASE("allow_ptr_leaks per program: ProgramOptions overrides the object's choice", "[object][leaks]") {
    Object object = open_object("ptr_leak", OpenOptions{ProgramType::Mem});
    ProgramOptions trusted;
    trusted.allow_ptr_leaks = true;
    auto program = object.program(kLeak, trusted);
    INFO((program ? std::string("prepared") : program.error().to_string()));
    REQUIRE(program);
    // Prepared once: asking again with the default rules is an error, not a silent reuse.
    auto again = object.program(kLeak, ProgramOptions{});
    REQUIRE_FALSE(again);
    CHECK(mentions(again.error().to_string(), "allow_ptr_leaks"));
}

TEST_CASE("C API: allow_ptr_leaks is off unless ebpfjit_open_options says so", "[object][leaks]") {
    char err[256] = {};
    const std::string path = prog_path("ptr_leak");
    {
        ebpfjit_object* object = ebpfjit_object_open(path.c_str(), "mem", err, sizeof err);
        REQUIRE(object != nullptr);
        CHECK(ebpfjit_object_program(object, kLeak, err, sizeof err) == nullptr);
        INFO(err);
        CHECK(mentions(err, "leaks addr into map value"));
        ebpfjit_object_close(object);
    }
    {
        const ebpfjit_open_options defaults{"mem", EBPFJIT_ENGINE_JIT, EBPFJIT_VERIFY_FULL, 0, 0};
        ebpfjit_object* object = ebpfjit_object_open_opts(path.c_str(), &defaults, err, sizeof err);
        REQUIRE(object != nullptr);
        CHECK(ebpfjit_object_program(object, kLeak, err, sizeof err) == nullptr);
        ebpfjit_object_close(object);
    }
    {
        const ebpfjit_open_options trusted{"mem", EBPFJIT_ENGINE_JIT, EBPFJIT_VERIFY_FULL, 1, 0};
        ebpfjit_object* object = ebpfjit_object_open_opts(path.c_str(), &trusted, err, sizeof err);
        REQUIRE(object != nullptr);
        ebpfjit_program* program = ebpfjit_object_program(object, kLeak, err, sizeof err);
        INFO(err);
        REQUIRE(program != nullptr);
        std::vector<uint8_t> input(4);
        uint64_t r0 = 1;
        CHECK(ebpfjit_program_run_mem(program, input.data(), input.size(), &r0, err, sizeof err) == 0);
        CHECK(r0 == 0);
        ebpfjit_object_close(object);
    }
}
