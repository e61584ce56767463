// The public raw-program API (include/ebpfjit/raw_program.hpp) as a tool sees it: no header
// of the library's rooms is included here.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "ebpfjit/raw_program.hpp"

using namespace ebpfjit;

namespace {
// r0 = sum of the input's first two bytes + the input length (r2).
constexpr const char* kSumSource =
    "ldxb %r0, [%r1]\n"
    "ldxb %r3, [%r1+1]\n"
    "add %r0, %r3\n"
    "add %r0, %r2\n"
    "lddw %r4, 0x100000000\n"
    "exit\n";
} // namespace

TEST_CASE("raw programs: assemble, encode, decode and disassemble round-trip") {
    auto program = RawProgram::assemble(kSumSource);
    REQUIRE(program);
    CHECK(program->slots() == 7); // lddw takes two slots
    const std::vector<uint8_t> bytes = program->encode();
    CHECK(bytes.size() == 7 * 8);
    CHECK(bytes[0] == 0x71); // ldxb

    auto again = RawProgram::decode(bytes);
    REQUIRE(again);
    CHECK(again->encode() == bytes);
    const std::string text = again->disassemble();
    CHECK(text.find("exit") != std::string::npos);
    CHECK(text.find("0x100000000") != std::string::npos);
}

TEST_CASE("raw programs: errors say where") {
    auto bad_line = RawProgram::assemble("mov %r0, 1\nfrobnicate %r0\nexit\n");
    REQUIRE_FALSE(bad_line);
    CHECK(bad_line.error().line == 2);

    auto truncated = RawProgram::decode(std::vector<uint8_t>(12, 0));
    REQUIRE_FALSE(truncated);

    auto missing = RawProgram::load("/nonexistent/raw_program_test.bin");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().to_string().find("/nonexistent/raw_program_test.bin") != std::string::npos);
}

TEST_CASE("raw programs: both engines run a mem program, with and without hardening") {
    auto program = RawProgram::assemble(kSumSource);
    REQUIRE(program);
    for (const std::string& name : RawEngine::names()) {
        for (const Hardening hardening : {Hardening{}, Hardening{true, true, 1000}}) {
            auto engine = RawEngine::find(name, hardening);
            REQUIRE(engine);
            std::vector<uint8_t> mem{40, 2, 0};
            auto r0 = engine->run_mem(*program, mem);
            REQUIRE(r0);
            CHECK(*r0 == 40 + 2 + 3);
        }
    }
    CHECK(RawEngine::names().size() >= 2);
    CHECK_FALSE(RawEngine::find("no-such-engine"));
}

TEST_CASE("raw programs: an out-of-bounds load is an error on every engine") {
    auto program = RawProgram::assemble("ldxdw %r0, [%r1+64]\nexit\n");
    REQUIRE(program);
    for (const std::string& name : RawEngine::names()) {
        auto engine = RawEngine::find(name);
        REQUIRE(engine);
        std::vector<uint8_t> mem(8, 0);
        CHECK_FALSE(engine->run_mem(*program, mem));
    }
}

TEST_CASE("raw programs: native listings for either backend, arch names checked") {
    auto program = RawProgram::assemble("mov %r0, 7\nexit\n");
    REQUIRE(program);
    auto a64 = program->native_listing("arm64");
    REQUIRE(a64);
    CHECK(a64->find("bytes of A64") != std::string::npos);
    auto x64 = program->native_listing("x86-64");
    REQUIRE(x64);
    CHECK(x64->find("bytes of x86-64") != std::string::npos);
    auto host = program->native_listing("");
    REQUIRE(host);
    CHECK(*host == (host_arch_name() == "arm64" ? *a64 : *x64));

    auto canonical = parse_arch_name("aarch64");
    REQUIRE(canonical);
    CHECK(*canonical == "arm64");
    auto bad = parse_arch_name("mips");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("unknown architecture 'mips'") != std::string::npos);
}
