#include "map_test_util.hpp"

using namespace maptest;
using ebpfjit::maps::kENOTSUPP;

TEST_CASE("bloom filter: no false negatives, few false positives, kernel errno") {
    auto d = def(BPF_MAP_TYPE_BLOOM_FILTER, 0, 8, 1000);
    d.map_extra = 3;
    auto m = make(d);
    for (uint64_t i = 0; i < 1000; ++i) REQUIRE(m->push(&i, BPF_ANY) == 0);
    for (uint64_t i = 0; i < 1000; ++i) REQUIRE(m->peek(&i) == 0);
    int false_positives = 0;
    for (uint64_t i = 1'000'000; i < 1'010'000; ++i) false_positives += m->peek(&i) == 0;
    CHECK(false_positives < 1000); // ~3% expected at this size
    uint64_t v = 5;
    CHECK(m->push(&v, BPF_EXIST) == -EINVAL);
    CHECK(m->push(&v, BPF_NOEXIST) == -EINVAL);
    CHECK(m->pop(&v) == -EOPNOTSUPP);
    CHECK(m->remove(nullptr) == -EOPNOTSUPP);
    CHECK(m->get_next_key(nullptr, &v) == -EOPNOTSUPP);
    CHECK(m->lookup(&v) == nullptr);
    // syscall side: update pushes, lookup peeks
    m = make(d);
    uint64_t w = 77;
    CHECK(m->lookup_copy(nullptr, &w) == -ENOENT);
    CHECK(m->update_copy(nullptr, &w, BPF_ANY) == 0);
    CHECK(m->lookup_copy(nullptr, &w) == 0);
}

TEST_CASE("bloom filter: definition checks") {
    auto d = def(BPF_MAP_TYPE_BLOOM_FILTER, 4, 8, 10);
    CHECK_FALSE(ebpfjit::maps::create_map(d));
    d.key_size = 0;
    d.map_extra = 16;
    auto r = ebpfjit::maps::create_map(d);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("EINVAL") != std::string::npos);
}
