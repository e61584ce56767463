// The loop corpus (progs/*.c): each safe program, its native reference, and what the
// verifier must say about its unsafe twin. Shared by the test files of test_loops.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "ebpfjit/ebpfjit.hpp"

// The native builds of progs/*.c (ebpfjit_loops_native, compiled as C).
extern "C" {
#define EBPFJIT_LOOP_NATIVE(name) uint64_t loop_##name(uint8_t* mem, uint64_t len);
EBPFJIT_LOOP_NATIVE(crc32)
EBPFJIT_LOOP_NATIVE(count_pattern)
EBPFJIT_LOOP_NATIVE(histogram)
EBPFJIT_LOOP_NATIVE(insertion_sort)
EBPFJIT_LOOP_NATIVE(tlv_walk)
EBPFJIT_LOOP_NATIVE(rle)
EBPFJIT_LOOP_NATIVE(bsearch_rodata)
EBPFJIT_LOOP_NATIVE(records)
EBPFJIT_LOOP_NATIVE(bubble_sort)
EBPFJIT_LOOP_NATIVE(checksum16)
#undef EBPFJIT_LOOP_NATIVE
}

namespace loops_test {

// Where a twin's bug lands, hence the reason the verifier must give.
enum class BugRegion { Input, Stack, Rodata };

// X(name, region of the twin's bug): one row per progs/<name>.c.
#define EBPFJIT_LOOP_PROGRAMS(X)      \
    X(crc32, Input)                   \
    X(count_pattern, Input)           \
    X(histogram, Stack)               \
    X(insertion_sort, Stack)          \
    X(tlv_walk, Input)                \
    X(rle, Stack)                     \
    X(bsearch_rodata, Rodata)         \
    X(records, Stack)                 \
    X(bubble_sort, Stack)             \
    X(checksum16, Input)

// The reasons (verifier/reason.cpp names) an out-of-bounds access in each region gets.
// The input of a `mem` program is read like a packet today; a verifier that gives it its
// own region may call it "memory out of bounds". .rodata is a map value.
inline std::vector<std::string> out_of_bounds_reasons(BugRegion region) {
    switch (region) {
    case BugRegion::Input: return {"packet out of bounds", "memory out of bounds"};
    case BugRegion::Stack: return {"stack out of bounds"};
    case BugRegion::Rodata: return {"map value out of bounds"};
    }
    return {};
}

inline std::string object_path(const std::string& stem) { return fmt::format("{}/{}.o", EBPFJIT_LOOPS_PROGS_DIR, stem); }

// The input sizes every safe program runs at: empty, tiny, around the 64 KiB the mem
// region was capped at, and 1 MiB.
inline const std::vector<size_t>& input_sizes() {
    static const std::vector<size_t> sizes = {0, 1, 2, 3, 7, 8, 63, 64, 255, 4096, 65535, 65536, 65537, size_t(1) << 20};
    return sizes;
}

// Deterministic pseudo-random bytes (xorshift64*, seeded by the size), with the pattern
// "GET" planted now and then so that count_pattern finds something.
inline std::vector<uint8_t> input_of_size(size_t size) {
    std::vector<uint8_t> bytes(size);
    uint64_t state = 0x9e3779b97f4a7c15ull ^ (size * 0x100000001b3ull);
    auto next = [&state] {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        return state * 0x2545F4914F6CDD1DULL;
    };
    for (auto& b : bytes) b = uint8_t(next() >> 56);
    for (size_t i = 0; i + 3 <= size; ++i)
        if (bytes[i] % 61 == 0) bytes[i] = 'G', bytes[i + 1] = 'E', bytes[i + 2] = 'T';
    return bytes;
}

inline const char* engine_name(ebpfjit::Engine e) { return e == ebpfjit::Engine::Jit ? "jit" : "interp"; }

} // namespace loops_test
