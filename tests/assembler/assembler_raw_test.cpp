// The assembler's raw words, checked field by field against RFC 9669 encodings.
#include <catch2/catch.hpp>

#include <string>

#include "isa/asm_mnemonics.hpp"
#include "isa/assembler.hpp"
#include "isa/raw_word.hpp"

using namespace ebpfjit;
using namespace ebpfjit::isa;

namespace {

std::vector<uint64_t> words(std::string_view src) {
    auto raw = assemble_raw(src);
    INFO(src);
    if (!raw) FAIL(raw.error().to_string());
    std::vector<uint64_t> out;
    for (const auto& r : *raw) out.push_back(word_from_raw(r));
    return out;
}

uint64_t one(std::string_view src) {
    auto w = words(src);
    REQUIRE(w.size() == 1);
    return w[0];
}

// opcode | dst << 8 | src << 12 | off << 16 | imm << 32
constexpr uint64_t W(uint8_t op, uint8_t dst = 0, uint8_t src = 0, int16_t off = 0, int32_t imm = 0) {
    return uint64_t(op) | uint64_t(dst) << 8 | uint64_t(src) << 12 | uint64_t(uint16_t(off)) << 16 |
           uint64_t(uint32_t(imm)) << 32;
}

Error error_of(std::string_view src) {
    auto raw = assemble_raw(src);
    INFO(src);
    REQUIRE_FALSE(raw.has_value());
    return raw.error();
}

} // namespace

TEST_CASE("ALU mnemonics: suffix selects the class, operand kind the source bit") {
    CHECK(one("add %r1, 5") == W(0x07, 1, 0, 0, 5));
    CHECK(one("add64 %r1, 5") == W(0x07, 1, 0, 0, 5));
    CHECK(one("add32 %r1, 5") == W(0x04, 1, 0, 0, 5));
    CHECK(one("add %r1, %r2") == W(0x0f, 1, 2));
    CHECK(one("mov32 %r0, %r9") == W(0xbc, 0, 9));
    CHECK(one("mov %r1, -1") == W(0xb7, 1, 0, 0, -1));
    CHECK(one("sdiv %r0, %r1") == W(0x3f, 0, 1, 1));
    CHECK(one("sdiv32 %r0, 3") == W(0x34, 0, 0, 1, 3));
    CHECK(one("smod %r0, -3") == W(0x97, 0, 0, 1, -3));
    CHECK(one("mod32 %r0, %r1") == W(0x9c, 0, 1));
    CHECK(one("arsh32 %r0, -16") == W(0xc4, 0, 0, 0, -16));
    CHECK(one("xor %r3, 0x03") == W(0xa7, 3, 0, 0, 3));
    CHECK(one("neg %r2") == W(0x87, 2));
    CHECK(one("neg32 %r2") == W(0x84, 2));
}

TEST_CASE("movsx, endianness and byte swaps") {
    CHECK(one("movsx832 %r0, %r1") == W(0xbc, 0, 1, 8));
    CHECK(one("movsx1632 %r4, %r3") == W(0xbc, 4, 3, 16));
    CHECK(one("movsx864 %r0, %r1") == W(0xbf, 0, 1, 8));
    CHECK(one("movsx1664 %r8, %r7") == W(0xbf, 8, 7, 16));
    CHECK(one("movsx3264 %r0, %r9") == W(0xbf, 0, 9, 32));
    CHECK(one("le16 %r0") == W(0xd4, 0, 0, 0, 16));
    CHECK(one("be64 %r1") == W(0xdc, 1, 0, 0, 64));
    CHECK(one("bswap32 %r2") == W(0xd7, 2, 0, 0, 32));
    CHECK(one("swap16 %r2") == W(0xd7, 2, 0, 0, 16));
}

TEST_CASE("loads, stores and lddw") {
    CHECK(one("ldxb %r0, [%r1+2]") == W(0x71, 0, 1, 2));
    CHECK(one("ldxh %r0, [%r1]") == W(0x69, 0, 1));
    CHECK(one("ldxw %r0, [%r10-4]") == W(0x61, 0, 10, -4));
    CHECK(one("ldxdw %r0, [%r1+0x10]") == W(0x79, 0, 1, 16));
    CHECK(one("ldxsb %r0, [%r10-1]") == W(0x91, 0, 10, -1));
    CHECK(one("ldxsh %r0, [%r10-2]") == W(0x89, 0, 10, -2));
    CHECK(one("ldxsw %r0, [%r10 - 4]") == W(0x81, 0, 10, -4));
    CHECK(one("stb [%r10-1], 0xff") == W(0x72, 10, 0, -1, 0xff));
    CHECK(one("sth [%r0], 0x1234") == W(0x6a, 0, 0, 0, 0x1234));
    CHECK(one("stw [%r10-4], 0x80000001") == W(0x62, 10, 0, -4, int32_t(0x80000001u)));
    CHECK(one("stdw [%r10-8], -1") == W(0x7a, 10, 0, -8, -1));
    CHECK(one("stxb [%r10-1], %r1") == W(0x73, 10, 1, -1));
    CHECK(one("stxdw [%r10-8], %r1") == W(0x7b, 10, 1, -8));
    CHECK(words("lddw %r0, 0x1122334455667788") ==
          std::vector<uint64_t>{0x5566778800000018, 0x1122334400000000});
    CHECK(words("lddw %r1, -1") == std::vector<uint64_t>{W(0x18, 1, 0, 0, -1), W(0, 0, 0, 0, -1)});
}

TEST_CASE("legacy packet loads") {
    CHECK(one("ldabsw 12") == W(0x20, 0, 0, 0, 12));
    CHECK(one("ldabsb 0") == W(0x30));
    CHECK(one("ldindh %r3, 4") == W(0x48, 0, 3, 0, 4));
}

TEST_CASE("atomics") {
    CHECK(one("lock add [%r10-8], %r1") == W(0xdb, 10, 1, -8, 0x00));
    CHECK(one("lock add32 [%r10-4], %r1") == W(0xc3, 10, 1, -4, 0x00));
    CHECK(one("lock fetch add [%r10-8], %r1") == W(0xdb, 10, 1, -8, 0x01));
    CHECK(one("lock or [%r10-8], %r1") == W(0xdb, 10, 1, -8, 0x40));
    CHECK(one("lock fetch and32 [%r10-4], %r3") == W(0xc3, 10, 3, -4, 0x51));
    CHECK(one("lock fetch xor [%r10-8], %r3") == W(0xdb, 10, 3, -8, 0xa1));
    CHECK(one("lock xchg [%r10-8], %r1") == W(0xdb, 10, 1, -8, 0xe1));
    CHECK(one("lock cmpxchg32 [%r10-8], %r1") == W(0xc3, 10, 1, -8, 0xf1));
}

TEST_CASE("jumps, calls and exit") {
    CHECK(one("ja +3") == W(0x05, 0, 0, 3));
    CHECK(one("ja -1") == W(0x05, 0, 0, -1));
    CHECK(one("ja32 +70000") == W(0x06, 0, 0, 0, 70000));
    CHECK(one("jeq %r1, 5, +2") == W(0x15, 1, 0, 2, 5));
    CHECK(one("jne32 %r1, %r2, -4") == W(0x5e, 1, 2, -4));
    CHECK(one("jsle %r0, -1, +1") == W(0xd5, 0, 0, 1, -1));
    CHECK(one("jset32 %r3, 0x8, +0") == W(0x46, 3, 0, 0, 8));
    CHECK(one("exit") == W(0x95));
    CHECK(one("call 5") == W(0x85, 0, 0, 0, 5));
    CHECK(one("call %r2") == W(0x8d, 2)); // callx: register in dst
    CHECK(one("call local +3") == W(0x85, 0, 1, 0, 3));
}

TEST_CASE("labels resolve forward and backward, by slot") {
    // slot 0: lddw (2 slots), 2: jeq -> fwd, 3: ja -> back, 4: exit
    auto w = words(R"(
start:
    lddw %r0, 0x100000000   # two slots
    jeq %r0, 0, fwd
back: ja start
fwd:
    exit
)");
    REQUIRE(w.size() == 5);
    CHECK(w[2] == W(0x15, 0, 0, 1, 0));   // to slot 4 from slot 2: +1
    CHECK(w[3] == W(0x05, 0, 0, -4, 0));  // to slot 0 from slot 3: -4
}

TEST_CASE("the label 'exit' means the first exit instruction") {
    auto w = words("jne %r1, 1, exit\nmov %r0, 1\nexit\nmov %r0, 2\nexit\n");
    CHECK(w[0] == W(0x55, 1, 0, 1, 1));
    // An explicit `exit:` label wins over the implicit one.
    auto v = words("ja exit\nexit\nexit:\nexit\n");
    CHECK(v[0] == W(0x05, 0, 0, 1));
}

TEST_CASE("local calls and ja32 take label offsets in imm") {
    auto w = words("call local f\nja32 f\nexit\nf:\nmov %r0, 1\nexit\n");
    CHECK(w[0] == W(0x85, 0, 1, 0, 2));
    CHECK(w[1] == W(0x06, 0, 0, 0, 1));
}

// Walks the mnemonic table; the decoder (the opcode table's reader) must accept every word,
// so no mnemonic maps to an opcode the ISA core does not know.
TEST_CASE("every table mnemonic assembles with some operands and decodes") {
    using namespace asm_syntax;
    for (const auto& [name, m] : mnemonic_table()) {
        std::string src = name;
        switch (m.form) {
        case Form::AluBinary: src += " %r1, %r2"; break;
        case Form::MovSx: src += " %r1, %r2"; break;
        case Form::AluUnary: case Form::Endian: src += " %r1"; break;
        case Form::Load: src += " %r1, [%r2+4]"; break;
        case Form::StoreImm: src += " [%r1+4], 7"; break;
        case Form::StoreReg: src += " [%r1+4], %r2"; break;
        case Form::Lddw: src += " %r1, 7"; break;
        case Form::Jump: src += " %r1, 7, +0"; break;
        case Form::Ja: case Form::Ja32: src += " +0"; break;
        case Form::Exit: break;
        case Form::Call: src += " 1"; break;
        case Form::Lock: src += " add [%r1], %r2"; break;
        case Form::LdAbs: src += " 4"; break;
        case Form::LdInd: src += " %r1, 4"; break;
        }
        INFO(src);
        auto raw = assemble_raw(src);
        CHECK(raw.has_value());
        auto program = assemble(src + "\nexit");
        if (!program) FAIL_CHECK(program.error().to_string());
    }
}

TEST_CASE("errors name the line and what was wrong") {
    auto check = [](std::string_view src, uint32_t line, std::string_view text) {
        Error e = error_of(src);
        INFO(e.to_string());
        REQUIRE(e.line.has_value());
        CHECK(*e.line == line);
        CHECK(e.message.find(text) != std::string::npos);
    };
    check("mov %r0, 1\n\nfoo %r1\nexit", 3, "unknown mnemonic 'foo'");
    check("mov %r0, 1\nja nowhere\nexit", 2, "undefined label 'nowhere'");
    check("# comment\nmov32 %r0, 0x100000000\nexit", 2, "immediate out of range");
    check("mov %r0, -0x80000001\nexit", 1, "immediate out of range");
    check("lddw %r0, 0x10000000000000000\nexit", 1, "immediate out of range");
    check("mov %r11, 1\nexit", 1, "bad register '%r11'");
    check("exit\nadd %r1, %rx", 2, "bad register '%rx'");
    check("exit\nexit\nldxw %r0, [%r12+4]", 3, "bad register");
    check("stw [%r10-40000], 1", 1, "offset out of range");
    check("ldxw %r0, %r1", 1, "bad memory operand");
    check("mov %r0", 1, "takes 2 operands, got 1");
    check("exit %r0", 1, "takes 0 operands, got 1");
    check("x:\nx:\nexit", 2, "duplicate label 'x'");
    check("ja +40000\nexit", 1, "jump offset out of range");
    check("mov %r0, 1\nlock nand [%r10-8], %r1", 2, "unknown atomic operation");
    check("lock fetch xchg [%r10-8], %r1", 1, "always fetches");
    check("mov %r0, zz\nexit", 1, "bad immediate 'zz'");
    check("# nothing\n", 2, "no instructions");
}

TEST_CASE("a label too far away for a 16-bit offset is an error at its use") {
    std::string src = "ja far\n";
    for (int i = 0; i < 40000; ++i) src += "mov %r0, 0\n";
    src += "far:\nexit\n";
    Error e = error_of(src);
    REQUIRE(e.line.has_value());
    CHECK(*e.line == 1);
    CHECK(e.message.find("out of range") != std::string::npos);
}
