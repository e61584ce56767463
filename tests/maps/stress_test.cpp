// 8 threads x 1,000,000 mixed operations on HASH, LRU_HASH and PERCPU_HASH maps at once.
// Checks what the semantics promise under concurrency:
//  - atomic increments through lookup() pointers on shared keys count exactly;
//  - a thread's own keys behave sequentially (NOEXIST insert, EXIST update, read back,
//    delete, -ENOENT after delete) even while other threads churn the same buckets;
//  - per-CPU slots are private: plain increments in each worker's slot add up exactly.
#include <algorithm>
#include <atomic>
#include <latch>
#include <thread>
#include <vector>

#include "map_test_util.hpp"
#include "tests/emulation.hpp"
#include "runtime/maps/percpu.hpp"

using namespace maptest;

namespace {

constexpr int kThreads = 8;
// Under qemu (make test-arm64) 20,000 per thread: the same checks, fewer repetitions.
constexpr int kOpsPerThread = ebpfjit::test::repetitions(1'000'000, 50);
constexpr uint32_t kShared = 256;       // shared counter keys
constexpr uint32_t kPrivatePerThread = 64;

struct Rng {
    uint64_t s;
    uint32_t next() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return static_cast<uint32_t>(s);
    }
};

uint32_t private_key(int thread, uint32_t i) { return 0x80000000u | (uint32_t(thread) << 16) | i; }

} // namespace

TEST_CASE("stress: 8 threads x 1M mixed ops on hash, LRU and per-CPU hash maps", "[stress]") {
    // One slot per worker, plus one for this thread (registered by earlier tests).
    REQUIRE(ebpfjit::maps::set_possible_cpus(kThreads + 1));
    const uint32_t cpus = kThreads + 1;
    const uint32_t capacity = kShared + kThreads * kPrivatePerThread;
    auto hash = make(def(BPF_MAP_TYPE_HASH, 4, 8, capacity));
    auto lru = make(def(BPF_MAP_TYPE_LRU_HASH, 4, 8, capacity)); // room for all: no eviction
    auto pcpu = make(def(BPF_MAP_TYPE_PERCPU_HASH, 4, 8, kShared));
    uint64_t zero = 0;
    for (uint32_t k = 0; k < kShared; ++k) {
        REQUIRE(hash->update(&k, &zero, BPF_NOEXIST) == 0);
        REQUIRE(lru->update(&k, &zero, BPF_NOEXIST) == 0);
        REQUIRE(pcpu->update_copy(&k, std::vector<uint64_t>(cpus, 0).data(), BPF_NOEXIST) == 0);
    }

    // expected[t][map][key]: increments thread t made
    std::vector<std::vector<uint64_t>> hash_incs(kThreads, std::vector<uint64_t>(kShared));
    std::vector<std::vector<uint64_t>> lru_incs(kThreads, std::vector<uint64_t>(kShared));
    std::vector<std::vector<uint64_t>> pcpu_incs(kThreads, std::vector<uint64_t>(kShared));
    std::vector<uint32_t> slot_of(kThreads);
    std::atomic<uint64_t> violations{0};
    // Every worker holds its slot from before the first op until all have finished: a slot
    // given back early would be claimed by a late starter (likely under qemu, where threads
    // start far apart) and two threads' increments would land in it.
    std::latch all_registered(kThreads), all_done(kThreads);

    auto worker = [&](int t) {
        auto slot = ebpfjit::maps::register_worker_thread();
        all_registered.arrive_and_wait();
        if (!slot) {
            violations.fetch_add(1);
            all_done.arrive_and_wait();
            return;
        }
        slot_of[t] = *slot;
        Rng rng{0x9e3779b97f4a7c15ULL * (t + 1)};
        // state of this thread's private keys: 0 = absent, else the value stored
        std::vector<uint64_t> mine_hash(kPrivatePerThread, 0), mine_lru(kPrivatePerThread, 0);
        uint64_t bad = 0;
        for (int op = 0; op < kOpsPerThread; ++op) {
            const uint32_t r = rng.next();
            const uint32_t shared = r % kShared;
            switch ((r >> 16) % 10) {
            case 0: case 1: case 2: { // atomic increment on a shared HASH key
                auto* v = static_cast<uint64_t*>(hash->lookup(&shared));
                if (!v) { ++bad; break; }
                __atomic_fetch_add(v, 1, __ATOMIC_RELAXED);
                ++hash_incs[t][shared];
                break;
            }
            case 3: case 4: { // atomic increment on a shared LRU key
                auto* v = static_cast<uint64_t*>(lru->lookup(&shared));
                if (!v) { ++bad; break; }
                __atomic_fetch_add(v, 1, __ATOMIC_RELAXED);
                ++lru_incs[t][shared];
                break;
            }
            case 5: case 6: { // plain increment in this worker's per-CPU slot
                auto* v = static_cast<uint64_t*>(pcpu->lookup(&shared));
                if (!v) { ++bad; break; }
                *v += 1;
                ++pcpu_incs[t][shared];
                break;
            }
            default: { // private keys: insert / update / read back / delete
                Map& m = (r & 1) ? *hash : *lru;
                auto& state = (r & 1) ? mine_hash : mine_lru;
                const uint32_t i = (r >> 1) % kPrivatePerThread;
                const uint32_t key = private_key(t, i);
                uint64_t val = (uint64_t(op) << 8) | 1;
                if (state[i] == 0) {
                    if (m.update(&key, &val, BPF_EXIST) != -ENOENT) ++bad;
                    if (m.update(&key, &val, BPF_NOEXIST) != 0) ++bad;
                    state[i] = val;
                } else if ((r >> 24) & 1) {
                    if (m.update(&key, &val, BPF_NOEXIST) != -EEXIST) ++bad;
                    if (m.update(&key, &val, BPF_EXIST) != 0) ++bad;
                    state[i] = val;
                } else {
                    auto* v = static_cast<uint64_t*>(m.lookup(&key));
                    if (!v || *v != state[i]) ++bad;
                    if (m.remove(&key) != 0) ++bad;
                    if (m.remove(&key) != -ENOENT) ++bad;
                    state[i] = 0;
                }
                break;
            }
            }
        }
        // the private keys still present hold what this thread last wrote
        for (uint32_t i = 0; i < kPrivatePerThread; ++i) {
            const uint32_t key = private_key(t, i);
            for (auto [m, state] : {std::pair{hash.get(), &mine_hash}, std::pair{lru.get(), &mine_lru}}) {
                uint64_t got = 0;
                const int rc = m->lookup_copy(&key, &got);
                if ((*state)[i] == 0 ? rc != -ENOENT : (rc != 0 || got != (*state)[i])) ++bad;
            }
        }
        violations.fetch_add(bad);
        all_done.arrive_and_wait();
        ebpfjit::maps::unregister_worker_thread();
    };

    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);
    for (auto& th : threads) th.join();
    CHECK(violations.load() == 0);
    // The per-CPU sums below are per thread only if no two workers shared a slot.
    std::vector<uint32_t> slots(slot_of);
    std::sort(slots.begin(), slots.end());
    REQUIRE(std::adjacent_find(slots.begin(), slots.end()) == slots.end());

    std::vector<uint64_t> per_cpu(cpus);
    uint64_t total_hash = 0;
    for (uint32_t k = 0; k < kShared; ++k) {
        uint64_t want_hash = 0, want_lru = 0, got = 0;
        for (int t = 0; t < kThreads; ++t) {
            want_hash += hash_incs[t][k];
            want_lru += lru_incs[t][k];
        }
        REQUIRE(hash->lookup_copy(&k, &got) == 0);
        CHECK(got == want_hash);
        total_hash += got;
        REQUIRE(lru->lookup_copy(&k, &got) == 0);
        CHECK(got == want_lru);
        REQUIRE(pcpu->lookup_copy(&k, per_cpu.data()) == 0);
        for (int t = 0; t < kThreads; ++t) CHECK(per_cpu[slot_of[t]] == pcpu_incs[t][k]);
    }
    CHECK(total_hash > uint64_t{kThreads} * kOpsPerThread / 5); // ~30% of all ops
}
