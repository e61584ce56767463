// The verifier assumes every map value is 8-byte aligned (an atomic on a value needs it;
// ARM64 faults on a misaligned one). Checked for every map type the factory makes: values
// from lookup(), from for_each() (bpf_for_each_map_elem callbacks, map dumps) and every
// CPU's value from lookup_percpu(), with key and value sizes that are not multiples of 8.
#include "map_test_util.hpp"
#include "runtime/maps/map_in_map.hpp"
#include "runtime/maps/percpu.hpp"

#include <cstdint>
#include <string>

using namespace maptest;

namespace {

bool aligned8(const void* p) { return reinterpret_cast<uintptr_t>(p) % 8 == 0; }

// `n` distinct keys of `key_size` bytes; LPM keys carry a full-length prefix.
std::vector<std::vector<uint8_t>> keys_for(uint32_t type, uint32_t key_size, uint32_t n) {
    std::vector<std::vector<uint8_t>> keys;
    for (uint32_t i = 0; i < n; ++i) {
        std::vector<uint8_t> k(key_size, 0);
        if (type == BPF_MAP_TYPE_LPM_TRIE) {
            const uint32_t prefixlen = 8 * (key_size - 4);
            std::memcpy(k.data(), &prefixlen, 4);
            k[4] = uint8_t(i + 1); // distinct first data byte
        } else if (type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY) {
            std::memcpy(k.data(), &i, 4);
        } else {
            for (uint32_t b = 0; b < key_size; ++b) k[b] = uint8_t(i * 7 + b + 1);
        }
        keys.push_back(std::move(k));
    }
    return keys;
}

void check_values_aligned(const MapDefinition& d) {
    INFO("map type " << d.type << ", key_size " << d.key_size << ", value_size " << d.value_size);
    auto m = make(d);
    const auto keys = keys_for(d.type, d.key_size, 5);
    std::vector<uint8_t> value(d.value_size, 0x5a);
    for (const auto& k : keys) REQUIRE(m->update(k.data(), value.data(), BPF_ANY) == 0);

    for (const auto& k : keys) {
        void* v = m->lookup(k.data());
        REQUIRE(v != nullptr);
        CHECK(aligned8(v));
    }
    size_t visited = 0;
    m->for_each([&](const void*, void* v) {
        ++visited;
        CHECK(aligned8(v));
        return true;
    });
    const bool array = d.type == BPF_MAP_TYPE_ARRAY || d.type == BPF_MAP_TYPE_PERCPU_ARRAY;
    CHECK(visited == (array ? d.max_entries : keys.size())); // every array index exists
    if (m->is_percpu()) {
        for (uint32_t cpu = 0; cpu < ebpfjit::maps::possible_cpus(); ++cpu)
            for (const auto& k : keys) {
                void* v = m->lookup_percpu(k.data(), cpu);
                REQUIRE(v != nullptr);
                CHECK(aligned8(v));
            }
    }
}

} // namespace

TEST_CASE("every map value a program can reach is 8-byte aligned", "[maps][alignment]") {
    const uint32_t value_sizes[] = {1, 4, 12, 13};
    for (uint32_t vs : value_sizes) {
        check_values_aligned(def(BPF_MAP_TYPE_ARRAY, 4, vs, 8));
        check_values_aligned(def(BPF_MAP_TYPE_PERCPU_ARRAY, 4, vs, 8));
        for (uint32_t ks : {1u, 3u, 4u, 6u, 12u}) {
            check_values_aligned(def(BPF_MAP_TYPE_HASH, ks, vs, 16));
            check_values_aligned(def(BPF_MAP_TYPE_HASH, ks, vs, 16, BPF_F_NO_PREALLOC));
            check_values_aligned(def(BPF_MAP_TYPE_PERCPU_HASH, ks, vs, 16));
            check_values_aligned(def(BPF_MAP_TYPE_LRU_HASH, ks, vs, 16));
            check_values_aligned(def(BPF_MAP_TYPE_LRU_PERCPU_HASH, ks, vs, 16));
        }
        // IPv4 (4 data bytes: the case that was 4-aligned), odd sizes, IPv6.
        for (uint32_t ks : {5u, 7u, 8u, 9u, 20u}) {
            auto d = def(BPF_MAP_TYPE_LPM_TRIE, ks, vs, 16, BPF_F_NO_PREALLOC);
            check_values_aligned(d);
        }
    }
}

TEST_CASE("LPM trie: values stay aligned through intermediate nodes and reused nodes", "[maps][alignment]") {
    auto m = make(def(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 64, BPF_F_NO_PREALLOC));
    // Prefixes that branch (10.0.0.0/8 and 11.0.0.0/8 force an intermediate node), then a
    // delete and re-insert so a recycled node holds a value.
    auto key = [](uint32_t prefixlen, uint8_t a, uint8_t b) {
        std::vector<uint8_t> k(8, 0);
        std::memcpy(k.data(), &prefixlen, 4);
        k[4] = a;
        k[5] = b;
        return k;
    };
    const uint32_t v = 1;
    for (auto k : {key(8, 10, 0), key(8, 11, 0), key(16, 10, 1), key(24, 10, 1)})
        REQUIRE(m->update(k.data(), &v, BPF_ANY) == 0);
    REQUIRE(m->remove(key(16, 10, 1).data()) == 0);
    REQUIRE(m->update(key(16, 10, 2).data(), &v, BPF_ANY) == 0);
    auto lookup = key(32, 10, 2);
    void* found = m->lookup(lookup.data());
    REQUIRE(found != nullptr);
    CHECK(aligned8(found));
    m->for_each([&](const void*, void* value) {
        CHECK(aligned8(value));
        return true;
    });
}

TEST_CASE("maps whose lookup gives a slot or a map: aligned; maps without value pointers say so",
          "[maps][alignment]") {
    // DEVMAP: lookup gives the 8-byte slot {ifindex, prog fd}.
    {
        auto m = make(def(BPF_MAP_TYPE_DEVMAP, 4, 4, 4));
        for (uint32_t k = 0; k < 4; ++k) {
            const uint32_t ifindex = 10 + k;
            REQUIRE(m->update(&k, &ifindex, BPF_ANY) == 0);
            void* slot = m->lookup(&k);
            REQUIRE(slot != nullptr);
            CHECK(aligned8(slot));
        }
    }
    // Map-in-map: lookup returns the inner map object itself.
    {
        auto d = def(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 2);
        d.inner = std::make_shared<MapDefinition>(def(BPF_MAP_TYPE_ARRAY, 4, 3, 2, 0, "inner"));
        auto outer = make(d);
        std::shared_ptr<Map> inner = make(*d.inner);
        ebpfjit::maps::share_map(inner);
        uint32_t k = 1, id = inner->id();
        REQUIRE(outer->update(&k, &id, BPF_ANY) == 0);
        void* got = outer->lookup(&k);
        REQUIRE(got == inner.get());
        CHECK(aligned8(got));
        uint32_t ik = 1;
        CHECK(aligned8(static_cast<Map*>(got)->lookup(&ik)));
    }
    // No program-side value pointer at all (push/pop/peek copy, or the helper owns the slot).
    for (uint32_t type : {uint32_t(BPF_MAP_TYPE_QUEUE), uint32_t(BPF_MAP_TYPE_STACK),
                          uint32_t(BPF_MAP_TYPE_BLOOM_FILTER)}) {
        auto m = make(def(type, 0, 12, 4));
        const uint8_t value[12] = {1};
        REQUIRE(m->push(value, BPF_ANY) == 0);
        CHECK(m->lookup(nullptr) == nullptr);
    }
}
