// Library entry points against bad input: each row must return an Error (never crash,
// throw or allocate without bound) whose one-line text names what was wrong.
#include <catch2/catch.hpp>

#include <linux/bpf.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "isa/assembler.hpp"
#include "isa/data_file.hpp"
#include "isa/decoder.hpp"
#include "runtime/maps/map_factory.hpp"
#include "runtime/maps/memory_budget.hpp"

using namespace ebpfjit;

namespace {

struct MapRow {
    const char* name;
    maps::MapDefinition def;
    const char* mentions;
};

maps::MapDefinition def(uint32_t type, uint32_t key, uint32_t value, uint32_t entries, uint32_t flags = 0) {
    maps::MapDefinition d;
    d.type = type;
    d.key_size = key;
    d.value_size = value;
    d.max_entries = entries;
    d.flags = flags;
    return d;
}

bool one_line(const std::string& s) { return !s.empty() && s.find('\n') == std::string::npos; }

} // namespace

TEST_CASE("map definitions from a hostile object are rejected with one line", "[bad_input][maps]") {
    constexpr uint32_t k2G = 1u << 31;
    const std::vector<MapRow> rows = {
        {"hash key_size 0", def(BPF_MAP_TYPE_HASH, 0, 8, 16), "key_size"},
        {"hash key_size 2^31", def(BPF_MAP_TYPE_HASH, k2G, 8, 16), "key_size"},
        {"hash value_size 2^31", def(BPF_MAP_TYPE_HASH, 4, k2G, 16), "value_size"},
        {"hash value_size 0", def(BPF_MAP_TYPE_HASH, 4, 0, 16), "value_size"},
        {"array key_size 0", def(BPF_MAP_TYPE_ARRAY, 0, 8, 16), "key_size"},
        {"array key_size 2^31", def(BPF_MAP_TYPE_ARRAY, k2G, 8, 16), "key_size"},
        {"array value_size 2^31", def(BPF_MAP_TYPE_ARRAY, 4, k2G, 16), "value_size"},
        {"array of 2^32-1 entries of 4 KiB", def(BPF_MAP_TYPE_ARRAY, 4, 4096, std::numeric_limits<uint32_t>::max()), ""},
        {"hash of 2^32-1 entries", def(BPF_MAP_TYPE_HASH, 8, 8, std::numeric_limits<uint32_t>::max()), ""},
        {"percpu array of 2^31 entries", def(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, k2G), ""},
        {"max_entries 0", def(BPF_MAP_TYPE_HASH, 4, 8, 0), "max_entries"},
        {"unknown type", def(9999, 4, 8, 16), "9999"},
        {"lpm key_size 0", def(BPF_MAP_TYPE_LPM_TRIE, 0, 8, 16, BPF_F_NO_PREALLOC), "key_size"},
        {"ringbuf not a power of two", def(BPF_MAP_TYPE_RINGBUF, 0, 0, 12345), ""},
        {"queue with a key", def(BPF_MAP_TYPE_QUEUE, 4, 8, 16), "key_size"},
        {"unknown flags", def(BPF_MAP_TYPE_HASH, 4, 8, 16, 0x80000000u), "flags"},
    };
    for (const auto& row : rows) {
        DYNAMIC_SECTION(row.name) {
            const uint64_t before = maps::memory_in_use();
            auto map = maps::create_map(row.def);
            REQUIRE_FALSE(map.has_value());
            const std::string text = map.error().to_string();
            INFO(text);
            CHECK(one_line(text));
            CHECK(text.find(row.mentions) != std::string::npos);
            CHECK(maps::memory_in_use() == before); // a rejected map keeps no charge
        }
    }
}

TEST_CASE("raw programs: garbage of every kind is a one-line error", "[bad_input][isa]") {
    const std::vector<std::pair<const char*, std::vector<uint8_t>>> rows = {
        {"empty", {}},
        {"7 bytes", {0x95, 0, 0, 0, 0, 0, 0}},
        {"all 0xff", std::vector<uint8_t>(64, 0xff)},
        {"all zero", std::vector<uint8_t>(64, 0)},
        {"lddw at the end", {0x18, 0, 0, 0, 1, 0, 0, 0}},
        {"exit with a source register", {0x95, 0x10, 0, 0, 0, 0, 0, 0}},
        {"jump past the end", {0x05, 0, 0x10, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0}},
        {"jump into lddw", {0x05, 0, 1, 0, 0, 0, 0, 0, 0x18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                            0x95, 0, 0, 0, 0, 0, 0, 0}},
        {"write to r10", {0xb7, 0x0a, 0, 0, 1, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0}},
        {"local call out of range", {0x85, 0x10, 0, 0, 0x00, 0x10, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0}},
    };
    for (const auto& [name, bytes] : rows) {
        DYNAMIC_SECTION(name) {
            auto program = isa::decode_bytes(bytes);
            REQUIRE_FALSE(program.has_value());
            INFO(program.error().to_string());
            CHECK(one_line(program.error().to_string()));
        }
    }
}

TEST_CASE("assembly and .data text: garbage is a one-line error naming the line", "[bad_input][isa]") {
    const std::vector<std::pair<const char*, std::string>> rows = {
        {"NUL bytes", std::string("mov %r0, 1\n\0\0\0\nexit\n", 20)},
        {"unterminated memory operand", "ldxw %r0, [%r1+\nexit\n"},
        {"offset beyond 16 bits", "ldxw %r0, [%r1+70000]\nexit\n"},
        {"label defined twice", "a:\na:\nexit\n"},
        {"jump target beyond 16 bits", "ja +40000\nexit\n"},
        {"negative register", "mov %r-1, 0\nexit\n"},
    };
    for (const auto& [name, text] : rows) {
        DYNAMIC_SECTION(name) {
            auto program = isa::assemble(text);
            REQUIRE_FALSE(program.has_value());
            INFO(program.error().to_string());
            CHECK(one_line(program.error().to_string()));
            CHECK(program.error().line.has_value());
        }
    }
    SECTION(".data file with a bad hex byte in -- mem") {
        auto file = isa::parse_data_file("-- asm\nexit\n-- mem\nzz\n-- result\n0x0\n");
        REQUIRE_FALSE(file.has_value());
        CHECK(one_line(file.error().to_string()));
    }
}
