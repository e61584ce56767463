// loxilb's multihoming loops (tests/verifier/c/tc_strength_reduced_loops.c): nested loops bounded by
// `i < h->n && i < 4` through a strength-reduced pointer, after a packet loop the walk
// cannot enumerate. Fully verified (the loop pass with only the packet loop joined), they
// run on both engines for every host count and give what the same loops in C give.
#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include <linux/if_ether.h>

#include "object_test_support.hpp"

using namespace ebpfjit;
using namespace object_test;

namespace {

struct Hosts {
    uint32_t n;
    std::array<uint32_t, 4> host;
};

uint32_t reference(std::span<const uint8_t> p, const Hosts& h) {
    uint32_t records = 0;
    size_t off = 0;
    for (uint32_t n = 0; n < 4096 && off + 2 <= p.size(); n++) {
        const size_t l = p[off + 1];
        if (off + 2 + l > p.size()) break;
        records += p[off];
        off += 2 + l;
    }
    uint32_t sum = 0;
    for (uint32_t i = 0; i < h.n && i < 4; i++) sum += h.host[i] * (i + 1);
    return (sum + records) & 0xffff;
}

// Bytes whose every odd byte (a record's length) is small.
std::vector<uint8_t> packet_of(size_t n) {
    std::vector<uint8_t> v(n);
    uint32_t x = 0x9e3779b9u ^ uint32_t(n);
    for (size_t i = 0; i < n; ++i) {
        x = x * 1103515245u + 12345u;
        v[i] = uint8_t(x >> 16);
        if (i % 2 == 1) v[i] %= 11;
    }
    return v;
}

} // namespace

TEST_CASE("strength-reduced constant loops after a packet loop run verified on both engines",
          "[object][verify][loops]") {
    for (const Engine engine : {Engine::Interpreter, Engine::Jit}) {
        Object object = open_object("tc_strength_reduced_loops"); // a program is prepared for one engine
        auto program = object.program("multihome", ProgramOptions{engine, VerifyLevel::Full});
        INFO(engine_name(engine));
        if (!program) FAIL(program.error().to_string());
        auto map = object.map("hosts");
        REQUIRE(map);
        for (uint32_t n : {0u, 1u, 3u, 4u, 5u, 1000u}) {
            const Hosts h{n, {0x0a000001u, 0x0a000002u, 0xc0a80001u, 0xffffffffu}};
            std::vector<uint8_t> value(sizeof h);
            std::memcpy(value.data(), &h, sizeof h);
            REQUIRE(map->update(bytes_of(uint32_t(0)), value, 0) == 0);
            for (size_t size : {14, 60, 61, 255, 1000, 1500}) {
                INFO("n " << n << " size " << size);
                std::vector<uint8_t> bytes = packet_of(size);
                SkbPacket skb;
                REQUIRE(skb.load(bytes));
                auto ran = program->run_tc(skb, RunOptions{engine});
                if (!ran) FAIL(ran.error().to_string());
                CHECK(uint32_t(ran->code) == reference(bytes, h));
            }
        }
    }
}
