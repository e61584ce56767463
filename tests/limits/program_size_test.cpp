// Programs at the kernel's size limit for privileged loaders: 1,000,000 instructions
// decode, encode and run in the interpreter; one more slot is refused with a clear error
// before any work proportional to the input.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <vector>

#include "isa/decoder.hpp"
#include "isa/encoder.hpp"
#include "runtime/interpreter.hpp"

using namespace ebpfjit;

namespace {

isa::RawInsn raw(uint8_t op, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    isa::RawInsn r{};
    r.opcode = op;
    r.dst = dst & 0xf;
    r.src = src & 0xf;
    r.off = off;
    r.imm = imm;
    return r;
}

// r0 = 0; (slots - 2) x r0 += 1; exit.
std::vector<isa::RawInsn> counting_program(uint32_t slots) {
    std::vector<isa::RawInsn> p;
    p.reserve(slots);
    p.push_back(raw(0xb7, 0, 0, 0, 0));
    while (p.size() < slots - 1) p.push_back(raw(0x07, 0, 0, 0, 1));
    p.push_back(raw(0x95, 0, 0, 0, 0));
    return p;
}

} // namespace

TEST_CASE("limits: a 1,000,000-instruction program decodes and runs", "[limits]") {
    const auto words = counting_program(isa::kMaxProgramSlots);
    auto program = isa::decode(words);
    REQUIRE(program.has_value());
    REQUIRE(program->size() == 1'000'000);

    auto r0 = runtime::Interpreter(*program, {}).run_mem({});
    REQUIRE(r0.has_value());
    CHECK(*r0 == 999'998);

    SECTION("the same from bytes, and back through the encoder") {
        std::vector<uint8_t> bytes(words.size() * sizeof(isa::RawInsn));
        std::memcpy(bytes.data(), words.data(), bytes.size());
        auto again = isa::decode_bytes(bytes);
        REQUIRE(again.has_value());
        CHECK(isa::encode_bytes(*again) == bytes);
    }
    SECTION("an instruction budget below its length stops it with a distinct error") {
        runtime::InterpreterOptions options;
        options.instruction_budget = 500'000;
        auto stopped = runtime::Interpreter(*program, {}, options).run_mem({});
        REQUIRE_FALSE(stopped.has_value());
        CHECK(stopped.error().message.find("instruction budget") != std::string::npos);
        CHECK(stopped.error().insn == 500'000u);
    }
}

TEST_CASE("limits: a gotol jumps across a 1,000,000-slot program", "[limits]") {
    // slot 0: r0 = 5; slot 1: ja32 to slot 999,998, the last `r0 += 1`; all others are skipped.
    auto words = counting_program(isa::kMaxProgramSlots);
    words[0] = raw(0xb7, 0, 0, 0, 5);
    words[1] = raw(0x06, 0, 0, 0, static_cast<int32_t>(isa::kMaxProgramSlots - 4));
    auto program = isa::decode(words);
    REQUIRE(program.has_value());
    auto r0 = runtime::Interpreter(*program, {}).run_mem({});
    REQUIRE(r0.has_value());
    CHECK(*r0 == 6);
}

TEST_CASE("limits: one slot more than 1,000,000 is refused, naming the limit", "[limits]") {
    const auto words = counting_program(isa::kMaxProgramSlots + 1);
    auto program = isa::decode(words);
    REQUIRE_FALSE(program.has_value());
    CHECK(program.error().message.find("1000000") != std::string::npos);

    std::vector<uint8_t> bytes(words.size() * sizeof(isa::RawInsn));
    std::memcpy(bytes.data(), words.data(), bytes.size());
    auto from_bytes = isa::decode_bytes(bytes);
    REQUIRE_FALSE(from_bytes.has_value());
    CHECK(from_bytes.error().message.find("limit") != std::string::npos);
}
