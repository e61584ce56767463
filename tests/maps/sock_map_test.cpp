// SOCKMAP / SOCKHASH as maps of socket cookies, with net/core/sock_map.c's return codes.
#include "map_test_util.hpp"
#include "runtime/maps/sock_map.hpp"

using namespace maptest;
using ebpfjit::maps::SocketMap;

TEST_CASE("sockmap: index slots, the kernel's update / delete / lookup codes") {
    auto m = make(def(BPF_MAP_TYPE_SOCKMAP, 4, 8, 4));
    auto& sm = dynamic_cast<SocketMap&>(*m);
    uint32_t k = 1, out = 4;
    CHECK(sm.cookie_at(&k) == 0);
    CHECK(m->lookup(&k) == nullptr); // programs go through the helper, never into the map
    CHECK(sm.store(&k, 42, BPF_EXIST) == -ENOENT);
    CHECK(sm.store(&k, 42, BPF_EXIST + 1) == -EINVAL);
    CHECK(sm.store(&out, 42, BPF_ANY) == -E2BIG);
    CHECK(sm.store(&k, 42, BPF_NOEXIST) == 0);
    CHECK(sm.store(&k, 43, BPF_NOEXIST) == -EEXIST);
    CHECK(sm.store(&k, 43, BPF_EXIST) == 0);
    CHECK(sm.cookie_at(&k) == 43);
    uint64_t v = 0;
    CHECK(m->lookup_copy(&k, &v) == 0);
    CHECK(v == 43);
    uint64_t cookie = 44;
    CHECK(m->update_copy(&k, &cookie, BPF_ANY) == 0);
    CHECK(sm.cookie_at(&k) == 44);
    CHECK(m->remove(&out) == -EINVAL);
    CHECK(m->remove(&k) == 0);
    CHECK(m->remove(&k) == -EINVAL); // an empty slot, as __sock_map_delete
    CHECK(m->lookup_copy(&k, &v) == -ENOENT);
    uint32_t next = 9;
    CHECK(m->get_next_key(nullptr, &next) == 0);
    CHECK(next == 0);
    uint32_t last = 3;
    CHECK(m->get_next_key(&last, &next) == -ENOENT);
}

TEST_CASE("sockhash: struct keys, max_entries, value_size 4 has no user-space lookup") {
    auto m = make(def(BPF_MAP_TYPE_SOCKHASH, 12, 4, 2));
    auto& sm = dynamic_cast<SocketMap&>(*m);
    struct Key {
        uint32_t a, b, c;
    } k1{1, 2, 3}, k2{4, 5, 6}, k3{7, 8, 9};
    CHECK(sm.store(&k1, 10, BPF_EXIST) == -ENOENT);
    CHECK(sm.store(&k1, 10, BPF_NOEXIST) == 0);
    CHECK(sm.store(&k1, 11, BPF_NOEXIST) == -EEXIST);
    CHECK(sm.store(&k2, 20, BPF_ANY) == 0);
    CHECK(sm.store(&k3, 30, BPF_ANY) == -E2BIG);
    CHECK(sm.store(&k1, 12, BPF_ANY) == 0); // replacing needs no room
    CHECK(sm.cookie_at(&k1) == 12);
    uint64_t v = 0;
    CHECK(m->lookup_copy(&k1, &v) == -ENOSPC); // sock_hash_lookup_sys
    uint32_t small = 13;
    CHECK(m->update_copy(&k1, &small, BPF_EXIST) == 0);
    CHECK(sm.cookie_at(&k1) == 13);
    Key first{}, second{};
    REQUIRE(m->get_next_key(nullptr, &first) == 0);
    REQUIRE(m->get_next_key(&first, &second) == 0);
    CHECK(m->get_next_key(&second, &first) == -ENOENT);
    CHECK(m->remove(&k3) == -ENOENT);
    CHECK(m->remove(&k2) == 0);
    CHECK(sm.cookie_at(&k2) == 0);
}
