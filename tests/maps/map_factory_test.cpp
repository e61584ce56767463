#include "map_test_util.hpp"
#include "runtime/maps/memory_budget.hpp"

using namespace maptest;
using ebpfjit::maps::create_map;

namespace {
std::string error_of(const MapDefinition& d) {
    auto r = create_map(d);
    if (r) return "";
    return r.error().message;
}
bool mentions(const std::string& s, const char* what) { return s.find(what) != std::string::npos; }
} // namespace

TEST_CASE("factory: zero sizes and wrong sizes per type are EINVAL, naming the map") {
    auto msg = error_of(def(BPF_MAP_TYPE_HASH, 0, 8, 10, 0, "flows"));
    CHECK(mentions(msg, "map 'flows' (hash)"));
    CHECK(mentions(msg, "key_size"));
    CHECK(mentions(msg, "EINVAL"));
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_HASH, 4, 0, 10)), "value_size"));
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_HASH, 4, 4, 0)), "max_entries"));
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_ARRAY, 8, 4, 10)), "key_size must be 4"));
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_ARRAY, 4, 0, 10)), "EINVAL"));
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_QUEUE, 4, 4, 10)), "key_size must be 0"));
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_RINGBUF, 0, 0, 5000)), "power of 2"));
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_RINGBUF, 0, 0, 1024)), "multiple"));
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_RINGBUF, 4, 0, 4096)), "EINVAL"));
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 10)), "BPF_F_NO_PREALLOC"));
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_LPM_TRIE, 4, 4, 10, BPF_F_NO_PREALLOC)), "key_size"));
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_LPM_TRIE, 261, 4, 10, BPF_F_NO_PREALLOC)), "key_size"));
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_HASH, 513, 4, 10)), "E2BIG"));
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_PERCPU_HASH, 4, 40000, 10)), "E2BIG"));
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_DEVMAP, 4, 5, 10)), "value_size"));
    CHECK(mentions(error_of(def(99, 4, 4, 10)), "unknown map type"));
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_CPUMAP, 4, 4, 10)), "not supported"));
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_SOCKMAP, 8, 4, 10)), "key_size must be 4"));
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_SOCKHASH, 16, 16, 10)), "value_size must be 4 or 8"));
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_SOCKHASH, 513, 8, 10)), "E2BIG"));
}

TEST_CASE("factory: unsupported flags") {
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_ARRAY, 4, 4, 10, BPF_F_NO_PREALLOC)), "flags"));
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_HASH, 4, 4, 10, BPF_F_MMAPABLE)), "flags"));
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_HASH, 4, 4, 10, BPF_F_NO_COMMON_LRU)), "LRU"));
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_LRU_HASH, 4, 4, 10, BPF_F_NO_PREALLOC)), "ENOTSUPP"));
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 10, BPF_F_MMAPABLE)), "MMAPABLE"));
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_ARRAY, 4, 4, 10, BPF_F_RDONLY | BPF_F_WRONLY)),
                   "together"));
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_QUEUE, 0, 4, 10, BPF_F_NO_PREALLOC)), "flags"));
    CHECK(create_map(def(BPF_MAP_TYPE_HASH, 4, 4, 10, BPF_F_NO_PREALLOC | BPF_F_ZERO_SEED)));
    CHECK(create_map(def(BPF_MAP_TYPE_ARRAY, 4, 4, 10, BPF_F_MMAPABLE | BPF_F_RDONLY_PROG)));
}

TEST_CASE("factory: the memory budget rejects oversized maps with a clear error") {
    const uint64_t saved = ebpfjit::maps::memory_budget();
    const uint64_t before = ebpfjit::maps::memory_in_use();
    ebpfjit::maps::set_memory_budget(before + (1 << 20));
    auto big = error_of(def(BPF_MAP_TYPE_ARRAY, 4, 4096, 1 << 20, 0, "huge"));
    CHECK(mentions(big, "map 'huge'"));
    CHECK(mentions(big, "memory budget"));
    CHECK(mentions(big, "ENOMEM"));
    {
        auto ok = create_map(def(BPF_MAP_TYPE_ARRAY, 4, 8, 1000));
        REQUIRE(ok);
        CHECK(ebpfjit::maps::memory_in_use() == before + 8000);
    }
    CHECK(ebpfjit::maps::memory_in_use() == before); // released with the map
    // a hash map of 4G entries is refused before any allocation is tried
    ebpfjit::maps::set_memory_budget(saved);
    CHECK(mentions(error_of(def(BPF_MAP_TYPE_HASH, 8, 8, 0xffffffffu)), "memory budget"));
}

TEST_CASE("factory: external map types plug in") {
    ebpfjit::maps::register_map_type(
        BPF_MAP_TYPE_CGROUP_ARRAY,
        {[](const MapDefinition&) { return uint64_t{64}; },
         [](const MapDefinition& d) -> ebpfjit::Result<std::unique_ptr<Map>> {
             auto copy = d;
             copy.type = BPF_MAP_TYPE_ARRAY;
             auto m = create_map(copy);
             if (!m) return std::unexpected(m.error());
             return std::move(*m);
         }});
    CHECK(create_map(def(BPF_MAP_TYPE_CGROUP_ARRAY, 4, 4, 4)));
}
