// Lock-free hash lookups (runtime/maps/hash_map.hpp, the seqlock read path) while other
// threads insert and delete: keys that stay in the map are always found with their own
// value, keys never inserted are never found, even while deleted elements are reused
// under the readers (a small map keeps reuse constant). Run under TSan by CI (label
// `threads`), where a racy field or a missing fence would be reported.
#include <atomic>
#include <thread>
#include <vector>

#include "map_test_util.hpp"

using namespace maptest;

namespace {

struct Key12 {
    uint32_t a, b, c; // 12 bytes: two key words, the last one padded
};

template <class Key>
Key make_key(uint32_t i) {
    if constexpr (sizeof(Key) == 4) return i;
    else return Key{i, ~i, i * 7};
}

template <class Key>
void hammer(uint32_t type) {
    constexpr uint32_t kStable = 64, kChurn = 600, kMax = 256;
    auto map = make(def(type, sizeof(Key), 8, kMax));
    for (uint32_t i = 0; i < kStable; ++i) {
        const Key k = make_key<Key>(i);
        const uint64_t v = uint64_t{i} * 3 + 1;
        REQUIRE(map->update(&k, &v, BPF_NOEXIST) == 0);
    }
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> bad_stable{0}, bad_absent{0}, found_churn{0};
    std::vector<std::thread> threads;
    for (int w = 0; w < 2; ++w)
        threads.emplace_back([&, w] {
            uint32_t s = 12345u + static_cast<uint32_t>(w);
            while (!stop.load(std::memory_order_relaxed)) {
                s = s * 1103515245u + 12345u;
                const Key k = make_key<Key>(1000 + (s >> 8) % kChurn);
                const uint64_t v = s;
                if (map->update(&k, &v, BPF_NOEXIST) != 0) map->remove(&k);
            }
        });
    for (int r = 0; r < 2; ++r)
        threads.emplace_back([&, r] {
            uint32_t s = 777u + static_cast<uint32_t>(r);
            for (int i = 0; i < 100'000; ++i) {
                s = s * 1103515245u + 12345u;
                const uint32_t stable = (s >> 8) % kStable;
                const Key sk = make_key<Key>(stable);
                const void* v = map->lookup(&sk);
                // Stable values are never rewritten: a plain read is race-free.
                if (v == nullptr || read_as<uint64_t>(v) != uint64_t{stable} * 3 + 1) ++bad_stable;
                const Key absent = make_key<Key>(100'000 + (s >> 8) % 1000);
                if (map->lookup(&absent) != nullptr) ++bad_absent;
                const Key churn = make_key<Key>(1000 + (s >> 12) % kChurn);
                if (map->lookup(&churn) != nullptr) ++found_churn;
            }
        });
    for (size_t i = 2; i < threads.size(); ++i) threads[i].join();
    stop = true;
    threads[0].join();
    threads[1].join();
    CHECK(bad_stable == 0);
    CHECK(bad_absent == 0);
    CHECK(found_churn > 0); // the churn really overlapped the reads
}

} // namespace

TEST_CASE("hash lookups take no lock and stay exact under concurrent insert/delete", "[maps][hash][threads]") {
    hammer<uint32_t>(BPF_MAP_TYPE_HASH);
    hammer<Key12>(BPF_MAP_TYPE_HASH);
}
