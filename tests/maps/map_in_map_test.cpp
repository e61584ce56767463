#include "map_test_util.hpp"
#include "runtime/maps/map_in_map.hpp"

using namespace maptest;
using ebpfjit::maps::MapInMap;

namespace {
std::shared_ptr<const MapDefinition> inner_template(uint32_t max_entries = 4, uint32_t flags = 0) {
    return std::make_shared<MapDefinition>(def(BPF_MAP_TYPE_ARRAY, 4, 8, max_entries, flags, "inner"));
}
} // namespace

TEST_CASE("array of maps: lookup returns the inner map; fd-array update rules") {
    auto d = def(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 2);
    d.inner = inner_template();
    auto outer = make(d);
    auto& mim = dynamic_cast<MapInMap&>(*outer);
    std::shared_ptr<Map> inner = make(*d.inner);
    ebpfjit::maps::share_map(inner);

    uint32_t k = 0;
    CHECK(outer->lookup(&k) == nullptr);
    uint32_t id = inner->id();
    CHECK(outer->update(&k, &id, BPF_NOEXIST) == -EINVAL); // fd arrays: BPF_ANY only
    CHECK(outer->update(&k, &id, BPF_ANY) == 0);
    REQUIRE(outer->lookup(&k) == inner.get());
    // a program uses the returned map like any other
    auto* in = static_cast<Map*>(outer->lookup(&k));
    uint32_t ik = 3;
    uint64_t v = 99;
    CHECK(in->update(&ik, &v, BPF_ANY) == 0);
    CHECK(read_as<uint64_t>(inner->lookup(&ik)) == 99);
    // the syscall side sees ids
    uint32_t got = 0;
    CHECK(outer->lookup_copy(&k, &got) == 0);
    CHECK(got == id);
    uint32_t k1 = 1;
    CHECK(outer->lookup_copy(&k1, &got) == -ENOENT);
    uint32_t k2 = 2;
    CHECK(outer->update(&k2, &id, BPF_ANY) == -E2BIG);
    uint32_t bogus = 0xfffffff0;
    CHECK(outer->update(&k1, &bogus, BPF_ANY) == -EBADF);
    // a map that does not match the template
    std::shared_ptr<Map> other = make(def(BPF_MAP_TYPE_ARRAY, 4, 8, 5));
    CHECK(mim.set_inner(&k1, other) == -EINVAL);
    // deleting keeps the inner map alive for programs still holding it
    Map* raw = inner.get();
    inner.reset();
    CHECK(outer->remove(&k) == 0);
    CHECK(outer->remove(&k) == -ENOENT);
    CHECK(outer->remove(&k2) == -E2BIG);
    CHECK(raw->lookup(&ik) != nullptr);
    uint32_t next = 7;
    CHECK(outer->get_next_key(nullptr, &next) == 0);
    CHECK(next == 0);
}

TEST_CASE("hash of maps: hash semantics; BPF_F_INNER_MAP relaxes max_entries") {
    auto d = def(BPF_MAP_TYPE_HASH_OF_MAPS, 8, 4, 4);
    d.inner = inner_template(4, BPF_F_INNER_MAP);
    auto outer = make(d);
    auto& mim = dynamic_cast<MapInMap&>(*outer);
    std::shared_ptr<Map> small = make(def(BPF_MAP_TYPE_ARRAY, 4, 8, 2, BPF_F_INNER_MAP));
    std::shared_ptr<Map> big = make(def(BPF_MAP_TYPE_ARRAY, 4, 8, 64, BPF_F_INNER_MAP));
    uint64_t a = 1, b = 2;
    CHECK(mim.set_inner(&a, small, BPF_EXIST) == -ENOENT);
    CHECK(mim.set_inner(&a, small, BPF_NOEXIST) == 0);
    CHECK(mim.set_inner(&a, big, BPF_NOEXIST) == -EEXIST);
    CHECK(mim.set_inner(&b, big) == 0);
    CHECK(outer->lookup(&a) == small.get());
    CHECK(outer->lookup(&b) == big.get());
    CHECK(mim.inner_at(&b) == big);
    CHECK(outer->remove(&b) == 0);
    CHECK(outer->lookup(&b) == nullptr);
    CHECK(outer->remove(&b) == -ENOENT);
}

TEST_CASE("map in map: definition checks") {
    auto d = def(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 2);
    auto r = ebpfjit::maps::create_map(d);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("inner") != std::string::npos);
    d.inner = inner_template();
    d.value_size = 8;
    CHECK_FALSE(ebpfjit::maps::create_map(d));
    d.value_size = 4;
    auto nested = d;
    auto e = def(BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 2);
    e.inner = std::make_shared<MapDefinition>(nested);
    CHECK_FALSE(ebpfjit::maps::create_map(e));
}
