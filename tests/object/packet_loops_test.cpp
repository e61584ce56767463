// XDP loops bounded by data_end, proven by the loop pass (docs/loop-verification.md):
// each runs fully verified (no run-time checks) on both engines, on packets of 0 to
// 1500 bytes, and gives what the same loop in C gives.
#include <cstdint>
#include <span>
#include <vector>

#include "object_test_support.hpp"

using namespace ebpfjit;
using namespace object_test;

namespace {

// sum_ptr and sum_idx: the same sum, by pointer and by index.
uint32_t sum_ptr_reference(std::span<const uint8_t> p) {
    uint32_t s = 0;
    for (uint8_t b : p) s = s * 31 + b;
    return s;
}

uint32_t tlv_reference(std::span<const uint8_t> p) {
    uint32_t s = 0, records = 0;
    size_t off = 0;
    while (off + 2 <= p.size()) {
        const size_t l = p[off + 1];
        if (off + 2 + l > p.size()) break;
        s += p[off];
        records++;
        off += 2 + l;
    }
    return s * 1000 + records;
}

// Bytes whose lengths (every odd byte) are small, so records fit and end at varied places.
std::vector<uint8_t> packet_of(size_t n) {
    std::vector<uint8_t> v(n);
    uint32_t x = 0x12345678u ^ uint32_t(n);
    for (size_t i = 0; i < n; ++i) {
        x = x * 1103515245u + 12345u;
        v[i] = uint8_t(x >> 16);
        if (i % 2 == 1) v[i] %= 13;
    }
    return v;
}

} // namespace

TEST_CASE("XDP loops bounded by data_end run verified on both engines", "[object][verify][loops]") {
    for (const Engine engine : {Engine::Interpreter, Engine::Jit}) {
        Object object = open_object("xdp_packet_loops"); // a program is prepared for one engine
        for (const char* name : {"sum_ptr", "sum_idx", "tlv"}) {
            auto program = object.program(name, ProgramOptions{engine, VerifyLevel::Full});
            INFO(name << (engine == Engine::Jit ? " jit" : " interpreter"));
            if (!program) FAIL(program.error().to_string());
            for (size_t size : {0, 1, 2, 3, 4, 7, 14, 60, 64, 255, 256, 257, 511, 1000, 1499, 1500}) {
                INFO("size " << size);
                const std::vector<uint8_t> bytes = packet_of(size);
                XdpFrame frame;
                REQUIRE(frame.load(bytes));
                auto ran = program->run_xdp(frame);
                if (!ran) FAIL(ran.error().to_string());
                const uint32_t want = std::string_view(name) == "tlv" ? tlv_reference(bytes) : sum_ptr_reference(bytes);
                CHECK(ran->returned == want);
            }
        }
    }
}
