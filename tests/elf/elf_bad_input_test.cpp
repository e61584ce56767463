// Bad input: each case gives one located line, never a crash. Corrupted variants are
// made at test time from good objects.
#include <catch2/catch.hpp>
#include <functional>
#include <random>

#include "elf_test_support.hpp"

using namespace ebpfjit;
using namespace ebpfjit::runtime::elf;
using namespace ebpfjit::runtime::elf::test;

namespace {

// Loads and returns the one-line error; fails the test if loading succeeded.
std::string error_of(const std::vector<uint8_t>& bytes) {
    auto d = read_object(bytes);
    if (d) FAIL("corrupted object was accepted");
    const std::string message = d.error().to_string();
    CHECK(message.find('\n') == std::string::npos);
    CHECK_FALSE(message.empty());
    return message;
}

bool contains(const std::string& haystack, const std::string& needle) {
    if (haystack.find(needle) != std::string::npos) return true;
    UNSCOPED_INFO("'" << needle << "' not in: " << haystack);
    return false;
}

// Every part must stand in the message (one CHECK each).
void check_mentions(const std::string& message, const std::vector<std::string>& parts) {
    for (const auto& part : parts) CHECK(contains(message, part));
}

// A good object with one section corrupted: the patch may change the section's header
// (written back afterwards) or the bytes it points at.
struct SectionCorruption {
    const char* what;
    const char* stem;
    const char* section;
    std::function<void(std::vector<uint8_t>& bytes, Elf64_Shdr& header)> patch;
    std::vector<std::string> mentions;
};

void write_at(std::vector<uint8_t>& bytes, size_t offset, const void* data, size_t n) {
    std::memcpy(bytes.data() + offset, data, n);
}

const std::vector<SectionCorruption>& section_corruptions() {
    static const std::vector<SectionCorruption> table = {
        {"section data cut off while the header table stays intact", "global_data", "xdp",
         [](auto& bytes, auto& h) { h.sh_offset = bytes.size() - 8; },
         {"section 'xdp'", "outside the file"}},
        {"program section size not a multiple of 8", "subprograms", "tc", [](auto&, auto& h) { h.sh_size -= 4; },
         {"section 'tc'", "not a multiple of 8", "offset 0x54"}},
        {"corrupt BTF header (magic, version, header length)", "btf_maps", ".BTF",
         [](auto& bytes, auto& h) { std::memset(bytes.data() + h.sh_offset, 0xff, 16); },
         {"section '.BTF'", "corrupt BTF"}},
        {"corrupt .BTF.ext line_info_len", "subprograms", ".BTF.ext",
         [](auto& bytes, auto& h) {
             const uint32_t huge = 0x7fffff00;
             write_at(bytes, h.sh_offset + 20, &huge, 4);
         },
         {"section '.BTF.ext'", "line_info"}},
        {"relocation whose symbol index is past the symbol table", "subprograms", ".relxdp",
         [](auto& bytes, auto& h) {
             Elf64_Rel rel;
             std::memcpy(&rel, bytes.data() + h.sh_offset, sizeof rel);
             rel.r_info = ELF64_R_INFO(9999, ELF64_R_TYPE(rel.r_info));
             write_at(bytes, h.sh_offset, &rel, sizeof rel);
         },
         {"section '.relxdp'", "unknown symbol index 9999"}},
        {"relocation section for a missing section", "subprograms", ".relxdp", [](auto&, auto& h) { h.sh_info = 200; },
         {"section '.relxdp'", "missing section 200"}},
        {"legacy map definition patched to key_size 0 (the second map sits at offset 20)", "legacy_maps", "maps",
         [](auto& bytes, auto& h) { std::memset(bytes.data() + h.sh_offset + 20 + 4, 0, 4); },
         {"section 'maps'", "offset 0x14", "key_size 0"}},
    };
    return table;
}

} // namespace

TEST_CASE("Not an ELF file", "[elf][bad]") {
    CHECK(contains(error_of({}), "not an ELF file"));
    const std::string text = "just some text, not an object";
    CHECK(contains(error_of({text.begin(), text.end()}), "not an ELF file"));
}

TEST_CASE("Wrong class, byte order and machine", "[elf][bad]") {
    auto bytes = object_bytes("subprograms");
    auto wrong_class = bytes;
    wrong_class[EI_CLASS] = ELFCLASS32;
    CHECK(contains(error_of(wrong_class), "wrong class"));

    auto big_endian = bytes;
    big_endian[EI_DATA] = ELFDATA2MSB;
    CHECK(contains(error_of(big_endian), "big-endian"));

    auto x86 = bytes;
    const uint16_t machine = EM_X86_64;
    std::memcpy(x86.data() + offsetof(Elf64_Ehdr, e_machine), &machine, 2);
    const std::string message = error_of(x86);
    CHECK(contains(message, "wrong machine 62"));
    CHECK(contains(message, "offset 0x12"));
}

TEST_CASE("Truncated files", "[elf][bad]") {
    const auto bytes = object_bytes("global_data");
    for (size_t cut : {size_t(3), size_t(20), sizeof(Elf64_Ehdr) - 1, sizeof(Elf64_Ehdr), size_t(0x100),
                       bytes.size() / 2, bytes.size() - 1}) {
        INFO("cut at " << cut);
        std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + long(cut));
        error_of(prefix);
    }
}

TEST_CASE("Corrupted sections are named in the error", "[elf][bad]") {
    for (const auto& c : section_corruptions()) {
        DYNAMIC_SECTION(c.what) {
            auto bytes = object_bytes(c.stem);
            RawSections raw{bytes};
            auto index = raw.find(c.section);
            REQUIRE(index);
            auto header = raw.get(*index);
            c.patch(bytes, header);
            raw.put(*index, header);
            check_mentions(error_of(bytes), c.mentions);
        }
    }
}

TEST_CASE("Relocation to an unknown symbol", "[elf][bad]") {
    check_mentions(error_of(object_bytes("unknown_symbol")),
                   {"section 'xdp'", "offset 0x8", "relocation to unknown symbol 'defined_elsewhere'"});
}

TEST_CASE("Map with key_size 0", "[elf][bad]") {
    check_mentions(error_of(object_bytes("bad_key_size")),
                   {"section '.maps'", "map 'keyless' has key_size 0", "offset 0x0"});
}

TEST_CASE("Random corruption never crashes", "[elf][bad]") {
    std::mt19937 rng(1234);
    for (const char* stem : {"btf_maps", "global_data", "subprograms", "multi_prog", "legacy_maps"}) {
        const auto original = object_bytes(stem);
        std::uniform_int_distribution<size_t> pos(0, original.size() - 1);
        std::uniform_int_distribution<int> byte(0, 255), flips(1, 8);
        for (int round = 0; round < 400; ++round) {
            auto bytes = original;
            for (int f = flips(rng); f > 0; --f) bytes[pos(rng)] = uint8_t(byte(rng));
            auto d = read_object(bytes);
            if (!d) CHECK_FALSE(d.error().to_string().empty());
        }
    }
}

TEST_CASE("Corrupting headers, symbols, relocations and BTF never crashes", "[elf][bad]") {
    // Random flips mostly land in DWARF, which the loader never reads; aim at what it reads.
    std::mt19937 rng(99);
    for (const char* stem : {"btf_maps", "global_data", "subprograms", "multi_prog", "legacy_maps"}) {
        auto original = object_bytes(stem);
        RawSections raw{original};
        std::vector<std::pair<size_t, size_t>> targets; // [begin, end) byte ranges
        targets.emplace_back(0, sizeof(Elf64_Ehdr));
        const size_t count = raw.header().e_shnum;
        targets.emplace_back(raw.header_offset(0), raw.header_offset(count));
        for (const char* name : {".BTF", ".BTF.ext", ".symtab", ".maps", "maps", ".rel.maps", ".relxdp", ".reltc",
                                 "xdp", "license", ".strtab"}) {
            if (auto i = raw.find(name); i && raw.get(*i).sh_size > 0)
                targets.emplace_back(raw.get(*i).sh_offset, raw.get(*i).sh_offset + raw.get(*i).sh_size);
        }
        std::uniform_int_distribution<size_t> which(0, targets.size() - 1);
        std::uniform_int_distribution<int> byte(0, 255), flips(1, 4);
        for (int round = 0; round < 600; ++round) {
            auto bytes = original;
            for (int f = flips(rng); f > 0; --f) {
                auto [begin, end] = targets[which(rng)];
                bytes[std::uniform_int_distribution<size_t>(begin, end - 1)(rng)] = uint8_t(byte(rng));
            }
            auto d = read_object(bytes);
            if (!d) CHECK(d.error().to_string().find('\n') == std::string::npos);
        }
    }
}
