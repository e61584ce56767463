#include "map_test_util.hpp"
#include "runtime/maps/array_map.hpp"
#include "runtime/maps/percpu.hpp"

using namespace maptest;
using ebpfjit::maps::kENOTSUPP;

TEST_CASE("array: lookup, update flags and errno") {
    auto m = make(def(BPF_MAP_TYPE_ARRAY, 4, 8, 4));
    uint32_t k = 2;
    uint64_t v = 42;
    // every element exists and starts zeroed
    REQUIRE(m->lookup(&k) != nullptr);
    CHECK(read_as<uint64_t>(m->lookup(&k)) == 0);
    CHECK(m->update(&k, &v, BPF_ANY) == 0);
    CHECK(read_as<uint64_t>(m->lookup(&k)) == 42);
    CHECK(m->update(&k, &v, BPF_EXIST) == 0);
    CHECK(m->update(&k, &v, BPF_NOEXIST) == -EEXIST);
    CHECK(m->update(&k, &v, BPF_EXIST + 1) == -EINVAL);
    CHECK(m->update(&k, &v, BPF_F_LOCK) == -EINVAL); // no bpf_spin_lock in the value
    uint32_t out = 4;
    CHECK(m->lookup(&out) == nullptr);
    CHECK(m->update(&out, &v, BPF_ANY) == -E2BIG);
    CHECK(m->remove(&k) == -EINVAL);
    uint64_t copy = 0;
    CHECK(m->lookup_copy(&k, &copy) == 0);
    CHECK(copy == 42);
    CHECK(m->lookup_copy(&out, &copy) == -ENOENT);
    CHECK(m->lookup_copy(&k, &copy, 1) == -EINVAL);
    CHECK(m->lookup_and_delete(&k, &copy) == -kENOTSUPP);
}

TEST_CASE("array: get_next_key order and first-key rule") {
    auto m = make(def(BPF_MAP_TYPE_ARRAY, 4, 4, 3));
    uint32_t next = 99;
    CHECK(m->get_next_key(nullptr, &next) == 0);
    CHECK(next == 0);
    uint32_t k = 0;
    CHECK(m->get_next_key(&k, &next) == 0);
    CHECK(next == 1);
    k = 1;
    CHECK(m->get_next_key(&k, &next) == 0);
    CHECK(next == 2);
    k = 2;
    CHECK(m->get_next_key(&k, &next) == -ENOENT);
    k = 77; // missing key: first key
    CHECK(m->get_next_key(&k, &next) == 0);
    CHECK(next == 0);
}

TEST_CASE("array: value_base/value_stride give the lookup address") {
    auto m = make(def(BPF_MAP_TYPE_ARRAY, 4, 12, 5));
    auto* a = dynamic_cast<ebpfjit::maps::ArrayMap*>(m.get());
    REQUIRE(a != nullptr);
    CHECK(a->value_stride() == 16);
    for (uint32_t i = 0; i < 5; ++i)
        CHECK(m->lookup(&i) == a->value_base() + i * a->value_stride());
}

TEST_CASE("array: batch lookup walks every index and ends with ENOENT") {
    auto m = make(def(BPF_MAP_TYPE_ARRAY, 4, 4, 5));
    for (uint32_t i = 0; i < 5; ++i) {
        uint32_t v = i * 10;
        REQUIRE(m->update(&i, &v, BPF_ANY) == 0);
    }
    ebpfjit::maps::BatchCursor cursor;
    uint32_t keys[3], values[3];
    uint32_t count = 3;
    CHECK(m->lookup_batch(cursor, keys, values, count) == 0);
    CHECK(count == 3);
    CHECK(keys[0] == 0);
    CHECK(values[2] == 20);
    count = 3;
    CHECK(m->lookup_batch(cursor, keys, values, count) == -ENOENT);
    CHECK(count == 2);
    CHECK(keys[1] == 4);
    CHECK(values[1] == 40);
    // arrays cannot delete
    ebpfjit::maps::BatchCursor c2;
    count = 2;
    CHECK(m->lookup_and_delete_batch(c2, keys, values, count) == -kENOTSUPP);
    CHECK(count == 0);
    // update batch writes in order
    uint32_t ks[2] = {1, 3}, vs[2] = {7, 9};
    count = 2;
    CHECK(m->update_batch(ks, vs, count, BPF_ANY) == 0);
    CHECK(count == 2);
    CHECK(read_as<uint32_t>(m->lookup(&ks[1])) == 9);
    count = 2;
    CHECK(m->update_batch(ks, vs, count, BPF_NOEXIST) == -EEXIST);
    CHECK(count == 0);
}

TEST_CASE("percpu array: one slot per CPU, syscall copies all CPUs rounded to 8") {
    REQUIRE(ebpfjit::maps::set_possible_cpus(3));
    auto m = make(def(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 2));
    CHECK(m->is_percpu());
    CHECK(m->value_copy_size() == 24);
    uint32_t k = 1;
    uint64_t all[3] = {0x11, 0x22, 0x33};
    CHECK(m->update_copy(&k, all, BPF_ANY) == 0);
    for (uint32_t cpu = 0; cpu < 3; ++cpu)
        CHECK(read_as<uint32_t>(m->lookup_percpu(&k, cpu)) == 0x11 * (cpu + 1));
    CHECK(m->lookup_percpu(&k, 3) == nullptr);
    uint32_t bad = 2;
    CHECK(m->lookup_percpu(&bad, 0) == nullptr);
    // program-side update writes only this thread's slot
    const uint32_t me = ebpfjit::maps::current_cpu();
    uint32_t v = 0x99;
    CHECK(m->update(&k, &v, BPF_ANY) == 0);
    uint64_t out[3];
    std::memset(out, 0xff, sizeof out);
    CHECK(m->lookup_copy(&k, out) == 0);
    for (uint32_t cpu = 0; cpu < 3; ++cpu)
        CHECK(out[cpu] == (cpu == me ? 0x99u : 0x11u * (cpu + 1)));
    CHECK(m->update(&k, &v, BPF_NOEXIST) == -EEXIST);
    CHECK(m->update(&k, &v, BPF_F_LOCK) == -EINVAL);
    CHECK(m->update(&bad, &v, BPF_ANY) == -E2BIG);
    CHECK(m->remove(&k) == -EINVAL);
    CHECK(m->lookup_copy(&k, out, BPF_F_LOCK) == -EINVAL);
    // possible CPUs are fixed while per-CPU maps exist
    CHECK_FALSE(ebpfjit::maps::set_possible_cpus(4));
    m.reset();
    CHECK(ebpfjit::maps::set_possible_cpus(4));
}
