// .data files: every conformance file parses and assembles; section rules; errors by line.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "isa/assembler.hpp"
#include "isa/data_file.hpp"
#include "isa/decoder.hpp"
#include "isa/raw_word.hpp"

using namespace ebpfjit;
using namespace ebpfjit::isa;

namespace {

std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

const std::filesystem::path kTests = std::filesystem::path(EBPFJIT_SHARED_DIR) / "conformance" / "tests";

} // namespace

TEST_CASE("every conformance .data file parses and assembles") {
    size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(kTests)) {
        if (entry.path().extension() != ".data") continue;
        ++files;
        auto parsed = parse_data_file(read_text(entry.path()));
        INFO(entry.path().filename().string());
        if (!parsed) FAIL(parsed.error().to_string());
        CHECK(parsed->program.size() > 0);
        CHECK(parsed->result.has_value());
    }
    CHECK(files == 313);
}

TEST_CASE("lddw.data: the assembled -- asm equals the -- raw words") {
    std::string text = read_text(kTests / "lddw.data");
    auto parsed = parse_data_file(text); // takes -- raw
    REQUIRE(parsed.has_value());
    auto raw = assemble_raw("lddw %r0, 0x1122334455667788\nexit\n");
    REQUIRE(raw.has_value());
    std::vector<uint64_t> got;
    for (const auto& r : *raw) got.push_back(word_from_raw(r));
    CHECK(got == std::vector<uint64_t>{0x5566778800000018, 0x1122334400000000, 0x0000000000000095});
    auto from_asm = assemble("lddw %r0, 0x1122334455667788\nexit\n");
    REQUIRE(from_asm.has_value());
    CHECK(from_asm->insns == parsed->program.insns);
    CHECK(*parsed->result == 0x1122334455667788u);
}

TEST_CASE("sections: mem bytes, decimal and hex results, comments, ignored sections") {
    auto parsed = parse_data_file(R"(# header comment
text before any section is ignored
-- c
int main() { return --x; }
-- asm
mov %r0, 2 # comment
exit
-- mem
00 01 ff  # trailing
7f
-- result
18446744073709551615
-- no register offset
anything
)");
    REQUIRE(parsed.has_value());
    CHECK(parsed->memory == std::vector<uint8_t>{0x00, 0x01, 0xff, 0x7f});
    CHECK(*parsed->result == ~uint64_t(0));
    CHECK_FALSE(parsed->error.has_value());
    CHECK(parsed->program.size() == 2);

    auto hex = parse_data_file("-- asm\nexit\n-- result\n0xff\n-- error\nsomething failed\n");
    REQUIRE(hex.has_value());
    CHECK(*hex->result == 0xff);
    CHECK(hex->error == std::optional<std::string>("something failed"));
}

TEST_CASE("-- raw replaces -- asm and takes hex or decimal words") {
    auto parsed = parse_data_file("-- asm\nfoo bar\n-- raw\n0xb7 149\n-- result\n0\n");
    REQUIRE(parsed.has_value()); // the bad asm is never assembled
    REQUIRE(parsed->program.size() == 2);
    CHECK(std::holds_alternative<Exit>(parsed->program.insns[1]));
}

TEST_CASE(".data errors name the file line") {
    auto line_of = [](std::string_view text) -> std::optional<uint32_t> {
        auto parsed = parse_data_file(text);
        if (parsed) return std::nullopt;
        INFO(parsed.error().to_string());
        CHECK_FALSE(parsed.error().message.empty());
        return parsed.error().line;
    };
    CHECK(line_of("# c\n-- asm\nmov %r0, 1\nbogus\nexit\n-- result\n1\n") == 4u);
    CHECK(line_of("-- asm\nja nowhere\nexit\n") == 2u);
    CHECK(line_of("-- asm\nexit\n-- mem\n00 1g\n") == 4u);
    CHECK(line_of("-- asm\nexit\n-- result\nff\n") == 4u);
    CHECK(line_of("-- asm\nexit\n-- result\n") == 3u);
    CHECK(line_of("-- raw\n0xzz\n") == 2u);
    CHECK(line_of("-- asm\nexit\n-- bogus\n") == 3u);
}

TEST_CASE("assemble() maps a decoder rejection back to its source line") {
    // r10 is read-only: the decoder rejects the write; the error names insn 1 and line 3.
    auto p = assemble("mov %r0, 0\n\nmov %r10, 1\nexit\n");
    REQUIRE_FALSE(p.has_value());
    CHECK(p.error().insn == std::optional<uint32_t>(1));
    CHECK(p.error().line == std::optional<uint32_t>(3));
}
