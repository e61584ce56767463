#include <set>

#include "map_test_util.hpp"
#include "runtime/maps/hash_map.hpp"
#include "runtime/maps/percpu.hpp"

using namespace maptest;

namespace {
struct Key {
    uint32_t a;
    uint16_t b;
    uint8_t c[2];
};
} // namespace

TEST_CASE("hash: update flags, full map and delete errno", "[hash]") {
    const uint32_t flags = GENERATE(0u, uint32_t{BPF_F_NO_PREALLOC});
    auto m = make(def(BPF_MAP_TYPE_HASH, sizeof(Key), 8, 3, flags));
    Key k1{1, 2, {3, 4}}, k2{5, 6, {7, 8}}, k3{9, 9, {9, 9}}, k4{0, 0, {0, 1}};
    uint64_t v = 10;
    CHECK(m->lookup(&k1) == nullptr);
    CHECK(m->update(&k1, &v, BPF_EXIST) == -ENOENT);
    CHECK(m->update(&k1, &v, BPF_NOEXIST) == 0);
    CHECK(m->update(&k1, &v, BPF_NOEXIST) == -EEXIST);
    v = 11;
    CHECK(m->update(&k1, &v, BPF_EXIST) == 0);
    REQUIRE(m->lookup(&k1) != nullptr);
    CHECK(read_as<uint64_t>(m->lookup(&k1)) == 11);
    CHECK(m->update(&k1, &v, BPF_EXIST + 1) == -EINVAL);
    CHECK(m->update(&k1, &v, BPF_F_LOCK) == -EINVAL); // no spin lock in the value
    CHECK(m->update(&k2, &v, BPF_ANY) == 0);
    CHECK(m->update(&k3, &v, BPF_ANY) == 0);
    CHECK(m->update(&k4, &v, BPF_ANY) == -E2BIG); // full, new key
    v = 12;
    CHECK(m->update(&k3, &v, BPF_ANY) == 0); // full, existing key: fine
    CHECK(m->remove(&k4) == -ENOENT);
    CHECK(m->remove(&k2) == 0);
    CHECK(m->remove(&k2) == -ENOENT);
    CHECK(m->lookup(&k2) == nullptr);
    CHECK(m->update(&k4, &v, BPF_ANY) == 0); // room again
    CHECK(dynamic_cast<ebpfjit::maps::HashMap&>(*m).size() == 3);
}

TEST_CASE("hash: value pointers are stable while the key lives", "[hash]") {
    auto m = make(def(BPF_MAP_TYPE_HASH, 4, 8, 64));
    uint64_t v = 1;
    for (uint32_t k = 0; k < 64; ++k) REQUIRE(m->update(&k, &v, BPF_ANY) == 0);
    uint32_t k = 7;
    void* p = m->lookup(&k);
    for (uint32_t j = 0; j < 64; ++j)
        if (j != 7) REQUIRE(m->remove(&j) == 0);
    v = 5;
    REQUIRE(m->update(&k, &v, BPF_EXIST) == 0);
    CHECK(m->lookup(&k) == p);
    CHECK(read_as<uint64_t>(p) == 5);
}

TEST_CASE("hash: get_next_key visits every key once; missing key gives the first", "[hash]") {
    auto m = make(def(BPF_MAP_TYPE_HASH, 4, 4, 100));
    uint32_t first = 0;
    CHECK(m->get_next_key(nullptr, &first) == -ENOENT);
    for (uint32_t k = 100; k < 150; ++k) REQUIRE(m->update(&k, &k, BPF_ANY) == 0);
    std::set<uint32_t> seen;
    uint32_t key = 0, next = 0;
    REQUIRE(m->get_next_key(nullptr, &first) == 0);
    const void* cur = nullptr;
    while (m->get_next_key(cur, &next) == 0) {
        CHECK(seen.insert(next).second);
        key = next;
        cur = &key;
    }
    CHECK(seen.size() == 50);
    CHECK(*seen.begin() == 100);
    uint32_t missing = 5;
    CHECK(m->get_next_key(&missing, &next) == 0);
    CHECK(next == first);
    CHECK(m->get_next_key(&key, &next) == -ENOENT); // key was the last
}

TEST_CASE("hash: lookup_and_delete and batches", "[hash]") {
    auto m = make(def(BPF_MAP_TYPE_HASH, 4, 4, 32));
    for (uint32_t k = 0; k < 10; ++k) {
        uint32_t v = k * 3;
        REQUIRE(m->update(&k, &v, BPF_ANY) == 0);
    }
    uint32_t k = 4, v = 0;
    CHECK(m->lookup_and_delete(&k, &v) == 0);
    CHECK(v == 12);
    CHECK(m->lookup_and_delete(&k, &v) == -ENOENT);
    CHECK(m->lookup_and_delete(&k, &v, BPF_F_LOCK) == -EINVAL);

    ebpfjit::maps::BatchCursor cursor;
    uint32_t keys[4], values[4];
    std::set<uint32_t> seen;
    int rc = 0;
    do {
        uint32_t count = 4;
        rc = m->lookup_batch(cursor, keys, values, count);
        REQUIRE((rc == 0 || rc == -ENOENT));
        for (uint32_t i = 0; i < count; ++i) {
            CHECK(values[i] == keys[i] * 3);
            seen.insert(keys[i]);
        }
    } while (rc == 0);
    CHECK(seen.size() == 9);
    uint32_t count = 4;
    ebpfjit::maps::BatchCursor bad;
    CHECK(m->lookup_batch(bad, keys, values, count, 1) == -EINVAL);

    ebpfjit::maps::BatchCursor drain;
    size_t drained = 0;
    do {
        count = 4;
        rc = m->lookup_and_delete_batch(drain, keys, values, count);
        drained += count;
    } while (rc == 0);
    CHECK(rc == -ENOENT);
    CHECK(drained == 9);
    uint32_t any;
    CHECK(m->get_next_key(nullptr, &any) == -ENOENT);

    uint32_t dk[2] = {1, 2};
    count = 2;
    CHECK(m->delete_batch(dk, count) == -ENOENT);
    CHECK(count == 0);
}

TEST_CASE("percpu hash: program writes its slot, syscall writes all, new keys zero others",
          "[hash]") {
    REQUIRE(ebpfjit::maps::set_possible_cpus(4));
    auto m = make(def(BPF_MAP_TYPE_PERCPU_HASH, 4, 4, 8));
    CHECK(m->value_copy_size() == 32);
    const uint32_t me = ebpfjit::maps::current_cpu();
    uint32_t k = 1, v = 7;
    CHECK(m->update(&k, &v, BPF_NOEXIST) == 0);
    uint64_t out[4];
    std::memset(out, 0xff, sizeof out);
    REQUIRE(m->lookup_copy(&k, out) == 0);
    for (uint32_t cpu = 0; cpu < 4; ++cpu) CHECK(out[cpu] == (cpu == me ? 7u : 0u));
    uint64_t all[4] = {1, 2, 3, 4};
    CHECK(m->update_copy(&k, all, BPF_EXIST) == 0);
    for (uint32_t cpu = 0; cpu < 4; ++cpu)
        CHECK(read_as<uint32_t>(m->lookup_percpu(&k, cpu)) == cpu + 1);
    CHECK(m->lookup(&k) == m->lookup_percpu(&k, me));
    CHECK(m->lookup_percpu(&k, 4) == nullptr);
    CHECK(m->update(&k, &v, BPF_F_LOCK) == -EINVAL);
    CHECK(m->lookup_and_delete(&k, out) == 0);
    CHECK(out[3] == 4);
    CHECK(m->lookup(&k) == nullptr);
}

TEST_CASE("lru hash: evicts the least recently used key instead of failing", "[lru]") {
    auto m = make(def(BPF_MAP_TYPE_LRU_HASH, 4, 8, 8));
    uint64_t v = 1;
    for (uint32_t k = 0; k < 8; ++k) REQUIRE(m->update(&k, &v, BPF_ANY) == 0);
    // keep 0..3 hot
    for (uint32_t k = 0; k < 4; ++k) REQUIRE(m->lookup(&k) != nullptr);
    for (uint32_t k = 100; k < 104; ++k) REQUIRE(m->update(&k, &v, BPF_NOEXIST) == 0);
    for (uint32_t k = 0; k < 4; ++k) CHECK(m->lookup(&k) != nullptr);      // survived
    for (uint32_t k = 4; k < 8; ++k) CHECK(m->lookup(&k) == nullptr);      // evicted
    for (uint32_t k = 100; k < 104; ++k) CHECK(m->lookup(&k) != nullptr);  // inserted
    CHECK(dynamic_cast<ebpfjit::maps::HashMap&>(*m).size() == 8);
    // flags as for HASH, except BPF_F_LOCK
    uint32_t k = 0;
    CHECK(m->update(&k, &v, BPF_NOEXIST) == -EEXIST);
    uint32_t missing = 55;
    CHECK(m->update(&missing, &v, BPF_EXIST) == -ENOENT);
    CHECK(m->update(&k, &v, BPF_F_LOCK) == -EINVAL);
    CHECK(m->remove(&k) == 0);
    CHECK(m->remove(&k) == -ENOENT);
}

TEST_CASE("lru percpu hash: eviction and per-CPU values", "[lru]") {
    REQUIRE(ebpfjit::maps::set_possible_cpus(2));
    auto m = make(def(BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 4));
    uint64_t v = 3;
    for (uint32_t k = 0; k < 10; ++k) REQUIRE(m->update(&k, &v, BPF_ANY) == 0);
    CHECK(dynamic_cast<ebpfjit::maps::HashMap&>(*m).size() == 4);
    uint32_t k = 9; // the newest survives
    uint64_t out[2];
    REQUIRE(m->lookup_copy(&k, out) == 0);
    const uint32_t me = ebpfjit::maps::current_cpu();
    CHECK(out[me] == 3);
    CHECK(out[1 - me] == 0);
}
