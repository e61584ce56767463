#include <string>
#include <thread>
#include <vector>

#include "map_test_util.hpp"
#include "tests/emulation.hpp"
#include "runtime/maps/ringbuf_map.hpp"

using namespace maptest;
using ebpfjit::maps::RingbufMap;

namespace {
RingbufMap& as_rb(Map& m) { return dynamic_cast<RingbufMap&>(m); }
} // namespace

TEST_CASE("ringbuf: reserve/submit/discard/output and in-order consumption") {
    auto m = make(def(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096));
    auto& rb = as_rb(*m);
    CHECK(rb.query(BPF_RB_RING_SIZE) == 4096);
    CHECK(rb.query(BPF_RB_AVAIL_DATA) == 0);
    CHECK(rb.reserve(8, 1) == nullptr); // flags must be 0

    auto* a = static_cast<uint32_t*>(rb.reserve(4, 0));
    auto* b = static_cast<uint32_t*>(rb.reserve(10, 0));
    REQUIRE(a != nullptr);
    REQUIRE(b != nullptr);
    CHECK(rb.query(BPF_RB_PROD_POS) == 16 + 24); // 8-byte header, 8-byte rounding
    *a = 0xaaaa;
    std::memset(b, 0xbb, 10);
    std::vector<std::string> got;
    auto collect = [&](const void* p, uint32_t n) {
        got.emplace_back(static_cast<const char*>(p), n);
        return 0;
    };
    // b is submitted first but a is still busy: nothing may be consumed yet
    RingbufMap::submit(b, BPF_RB_NO_WAKEUP);
    CHECK(rb.consume(collect) == 0);
    RingbufMap::discard(a, 0);
    CHECK(rb.consume(collect) == 1); // a skipped, b delivered
    REQUIRE(got.size() == 1);
    CHECK(got[0] == std::string(10, '\xbb'));
    CHECK(rb.query(BPF_RB_CONS_POS) == 40);
    CHECK(rb.query(BPF_RB_AVAIL_DATA) == 0);

    const char msg[] = "hello";
    CHECK(rb.output(msg, sizeof msg, 4) == -EINVAL);
    CHECK(rb.output(msg, sizeof msg, 0) == 0);
    CHECK(rb.consume(collect) == 1);
    CHECK(got.back() == std::string(msg, sizeof msg));

    // a record as large as the whole ring cannot fit (header included)
    CHECK(rb.reserve(4096, 0) == nullptr);
    CHECK(rb.reserve(4096 - 8, 0) != nullptr);
}

TEST_CASE("ringbuf: full ring answers -EAGAIN/NULL, records wrap contiguously") {
    auto m = make(def(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096));
    auto& rb = as_rb(*m);
    std::vector<uint8_t> payload(1000);
    uint64_t produced = 0, consumed = 0;
    uint8_t next_byte = 0, expect_byte = 0;
    auto check = [&](const void* p, uint32_t n) {
        REQUIRE(n == payload.size());
        const auto* bytes = static_cast<const uint8_t*>(p);
        for (uint32_t i = 0; i < n; ++i) REQUIRE(bytes[i] == uint8_t(expect_byte + i));
        ++expect_byte;
        ++consumed;
        return 0;
    };
    for (int round = 0; round < 50; ++round) {
        // fill until full
        for (;;) {
            for (size_t i = 0; i < payload.size(); ++i) payload[i] = uint8_t(next_byte + i);
            int rc = rb.output(payload.data(), payload.size(), 0);
            if (rc == -EAGAIN) break;
            REQUIRE(rc == 0);
            ++next_byte;
            ++produced;
        }
        CHECK(rb.reserve(1000, 0) == nullptr);
        rb.consume(check);
    }
    CHECK(produced == consumed);
    CHECK(produced > 150); // 4 x 1008-byte records per 4 KiB, wrapping every round
    CHECK(rb.query(BPF_RB_PROD_POS) > 3 * 4096);
}

TEST_CASE("ringbuf: adaptive and forced wakeups, poll") {
    auto m = make(def(BPF_MAP_TYPE_RINGBUF, 0, 0, 8192));
    auto& rb = as_rb(*m);
    uint64_t x = 1;
    CHECK(rb.output(&x, 8, BPF_RB_NO_WAKEUP) == 0);
    CHECK(rb.wakeups() == 0);
    CHECK(rb.output(&x, 8, 0) == 0); // consumer has not caught up: no wakeup needed
    CHECK(rb.wakeups() == 0);
    CHECK(rb.output(&x, 8, BPF_RB_FORCE_WAKEUP) == 0);
    CHECK(rb.wakeups() == 1);
    CHECK(rb.consume([](const void*, uint32_t) { return 0; }) == 3);
    CHECK(rb.output(&x, 8, 0) == 0); // caught up: adaptive wakeup
    CHECK(rb.wakeups() == 2);
    rb.consume([](const void*, uint32_t) { return 0; });

    std::thread producer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        uint64_t y = 42;
        REQUIRE(rb.output(&y, 8, 0) == 0);
    });
    uint64_t seen = 0;
    int64_t n = rb.poll([&](const void* p, uint32_t) { seen = read_as<uint64_t>(p); return 0; },
                        5000);
    producer.join();
    if (n == 0) n = rb.consume([&](const void* p, uint32_t) { seen = read_as<uint64_t>(p); return 0; });
    CHECK(n == 1);
    CHECK(seen == 42);
    // a callback's non-zero answer stops consumption and is returned
    CHECK(rb.output(&x, 8, 0) == 0);
    CHECK(rb.output(&x, 8, 0) == 0);
    CHECK(rb.consume([](const void*, uint32_t) { return 7; }) == 7);
    CHECK(rb.consume([](const void*, uint32_t) { return 0; }) == 1);
}

TEST_CASE("ringbuf: many producers, one consumer, nothing lost") {
    auto m = make(def(BPF_MAP_TYPE_RINGBUF, 0, 0, 1 << 16));
    auto& rb = as_rb(*m);
    constexpr int kThreads = 4, kPer = ebpfjit::test::repetitions(20000, 10);
    std::atomic<int> done{0};
    std::vector<std::thread> producers;
    for (int t = 0; t < kThreads; ++t)
        producers.emplace_back([&, t] {
            for (int i = 0; i < kPer; ++i) {
                uint64_t rec[2] = {uint64_t(t), uint64_t(i)};
                void* p;
                while ((p = rb.reserve(sizeof rec, 0)) == nullptr) std::this_thread::yield();
                std::memcpy(p, rec, sizeof rec);
                if (i % 3 == 0)
                    RingbufMap::discard(p, 0);
                else
                    RingbufMap::submit(p, 0);
            }
            done.fetch_add(1);
        });
    std::vector<int> next(kThreads, 0);
    int64_t total = 0;
    bool ordered = true;
    auto take = [&](const void* p, uint32_t n) {
        uint64_t rec[2];
        std::memcpy(rec, p, n);
        int& want = next[rec[0]];
        while (want % 3 == 0) ++want; // discarded ones never show up
        ordered = ordered && int(rec[1]) == want;
        ++want;
        return 0;
    };
    while (done.load() < kThreads || rb.query(BPF_RB_AVAIL_DATA) != 0) {
        total += rb.consume(take);
        std::this_thread::yield();
    }
    for (auto& t : producers) t.join();
    total += rb.consume(take);
    CHECK(ordered);
    CHECK(total == int64_t{kThreads} * (kPer - (kPer + 2) / 3));
}
