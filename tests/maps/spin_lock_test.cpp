#include <thread>
#include <vector>

#include "map_test_util.hpp"
#include "tests/emulation.hpp"
#include "runtime/maps/spin_lock.hpp"

using namespace maptest;

namespace {
// struct { u64 a; struct bpf_spin_lock lock; u32 b; } (lock at offset 8)
struct Value {
    uint64_t a;
    uint32_t lock;
    uint32_t b;
};
} // namespace

TEST_CASE("spin lock: BPF_F_LOCK updates and lookups copy around the lock word") {
    for (uint32_t type : {uint32_t{BPF_MAP_TYPE_ARRAY}, uint32_t{BPF_MAP_TYPE_HASH}}) {
        auto d = def(type, 4, sizeof(Value), 4);
        d.spin_lock_offset = 8;
        auto m = make(d);
        uint32_t k = 1;
        Value v{5, 0xdead, 6};
        REQUIRE(m->update(&k, &v, BPF_ANY) == 0);
        auto* stored = static_cast<Value*>(m->lookup(&k));
        REQUIRE(stored != nullptr);
        CHECK(stored->lock == 0); // never copied in
        CHECK(stored->a == 5);
        v = {7, 0xbeef, 8};
        CHECK(m->update(&k, &v, BPF_F_LOCK) == 0);
        CHECK(m->update(&k, &v, BPF_F_LOCK | BPF_EXIST) == 0);
        CHECK(m->update(&k, &v, BPF_F_LOCK | BPF_NOEXIST) == -EEXIST);
        CHECK(stored->b == 8);
        CHECK(stored->lock == 0);
        // while a "program" holds the lock, the value reads as locked in the map but a
        // syscall lookup never returns the lock word
        ebpfjit::maps::spin_lock(&stored->lock);
        CHECK(stored->lock != 0);
        Value out{};
        CHECK(m->lookup_copy(&k, &out) == 0);
        CHECK(out.lock == 0);
        ebpfjit::maps::spin_unlock(&stored->lock);
        CHECK(m->lookup_copy(&k, &out, BPF_F_LOCK) == 0);
        CHECK(out.a == 7);
        CHECK(out.lock == 0);
    }
}

TEST_CASE("spin lock: guarded read-modify-write across threads is exact") {
    auto d = def(BPF_MAP_TYPE_ARRAY, 4, sizeof(Value), 1);
    d.spin_lock_offset = 8;
    auto m = make(d);
    uint32_t k = 0;
    auto* v = static_cast<Value*>(m->lookup(&k));
    constexpr int kThreads = 4, kIters = ebpfjit::test::repetitions(100000, 20);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < kIters; ++i) {
                ebpfjit::maps::spin_lock(&v->lock);
                v->a += 1; // plain, non-atomic: only the lock makes it exact
                v->b = static_cast<uint32_t>(v->a);
                ebpfjit::maps::spin_unlock(&v->lock);
            }
        });
    // concurrent BPF_F_LOCK lookups always see a consistent (a, b) pair
    for (int i = 0; i < 2000; ++i) {
        Value out{};
        REQUIRE(m->lookup_copy(&k, &out, BPF_F_LOCK) == 0);
        REQUIRE(static_cast<uint32_t>(out.a) == out.b);
    }
    for (auto& t : threads) t.join();
    CHECK(v->a == uint64_t{kThreads} * kIters);
}

TEST_CASE("spin lock: only HASH and ARRAY, aligned and inside the value") {
    auto d = def(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 16, 1);
    d.spin_lock_offset = 0;
    auto r = ebpfjit::maps::create_map(d);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("EOPNOTSUPP") != std::string::npos);
    d.type = BPF_MAP_TYPE_HASH;
    d.spin_lock_offset = 2;
    CHECK_FALSE(ebpfjit::maps::create_map(d));
    d.spin_lock_offset = 16;
    CHECK_FALSE(ebpfjit::maps::create_map(d));
    d.spin_lock_offset = 12;
    CHECK(ebpfjit::maps::create_map(d));
}
