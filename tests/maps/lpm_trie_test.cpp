#include <arpa/inet.h>

#include <string>

#include "map_test_util.hpp"

using namespace maptest;

namespace {

struct V4Key {
    uint32_t prefixlen;
    uint8_t addr[4];
};
struct V6Key {
    uint32_t prefixlen;
    uint8_t addr[16];
};

V4Key v4(const char* ip, uint32_t len) {
    V4Key k{len, {}};
    REQUIRE(inet_pton(AF_INET, ip, k.addr) == 1);
    return k;
}
V6Key v6(const char* ip, uint32_t len) {
    V6Key k{len, {}};
    REQUIRE(inet_pton(AF_INET6, ip, k.addr) == 1);
    return k;
}

template <class K>
int route(Map& m, const K& k) {
    void* v = m.lookup(&k);
    return v ? static_cast<int>(read_as<uint32_t>(v)) : -1;
}

} // namespace

TEST_CASE("lpm: IPv4 longest-prefix match") {
    auto m = make(def(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, BPF_F_NO_PREALLOC));
    auto add = [&](const char* ip, uint32_t len, uint32_t value) {
        auto k = v4(ip, len);
        REQUIRE(m->update(&k, &value, BPF_ANY) == 0);
    };
    add("0.0.0.0", 0, 1);
    add("10.0.0.0", 8, 2);
    add("10.1.0.0", 16, 3);
    add("10.1.2.0", 24, 4);
    add("10.1.3.0", 24, 5);
    add("192.168.0.0", 16, 6);
    add("10.1.2.3", 32, 7);

    CHECK(route(*m, v4("10.1.2.3", 32)) == 7);
    CHECK(route(*m, v4("10.1.2.4", 32)) == 4);
    CHECK(route(*m, v4("10.1.3.200", 32)) == 5);
    CHECK(route(*m, v4("10.1.4.1", 32)) == 3);
    CHECK(route(*m, v4("10.200.0.1", 32)) == 2);
    CHECK(route(*m, v4("192.168.77.1", 32)) == 6);
    CHECK(route(*m, v4("8.8.8.8", 32)) == 1);
    // the key's prefixlen bounds the match
    CHECK(route(*m, v4("10.1.2.3", 20)) == 3);

    // delete is exact (prefix and length)
    auto k = v4("10.1.0.0", 15);
    CHECK(m->remove(&k) == -ENOENT);
    k = v4("10.1.0.0", 16);
    CHECK(m->remove(&k) == 0);
    CHECK(m->remove(&k) == -ENOENT);
    CHECK(route(*m, v4("10.1.4.1", 32)) == 2);
    CHECK(route(*m, v4("10.1.2.9", 32)) == 4);
    k = v4("0.0.0.0", 0);
    CHECK(m->remove(&k) == 0);
    CHECK(route(*m, v4("8.8.8.8", 32)) == -1);
}

TEST_CASE("lpm: IPv6 longest-prefix match") {
    auto m = make(def(BPF_MAP_TYPE_LPM_TRIE, 20, 4, 16, BPF_F_NO_PREALLOC));
    auto add = [&](const char* ip, uint32_t len, uint32_t value) {
        auto k = v6(ip, len);
        REQUIRE(m->update(&k, &value, BPF_ANY) == 0);
    };
    add("2001:db8::", 32, 1);
    add("2001:db8:1::", 48, 2);
    add("2001:db8:1:2::", 64, 3);
    add("2001:db8:1:2::1", 128, 4);
    add("fe80::", 10, 5);
    CHECK(route(*m, v6("2001:db8:1:2::1", 128)) == 4);
    CHECK(route(*m, v6("2001:db8:1:2::2", 128)) == 3);
    CHECK(route(*m, v6("2001:db8:1:3::1", 128)) == 2);
    CHECK(route(*m, v6("2001:db8:ffff::1", 128)) == 1);
    CHECK(route(*m, v6("febf::1", 128)) == 5);
    CHECK(route(*m, v6("2002::1", 128)) == -1);
}

TEST_CASE("lpm: flags, capacity and errno") {
    auto m = make(def(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 2, BPF_F_NO_PREALLOC));
    auto a = v4("10.0.0.0", 8), b = v4("11.0.0.0", 8), c = v4("12.0.0.0", 8);
    uint32_t v = 1;
    CHECK(m->update(&a, &v, BPF_EXIST) == -ENOENT);
    CHECK(m->update(&a, &v, BPF_NOEXIST) == 0);
    CHECK(m->update(&a, &v, BPF_NOEXIST) == -EEXIST);
    CHECK(m->update(&a, &v, BPF_EXIST) == 0);
    CHECK(m->update(&a, &v, BPF_F_LOCK) == -EINVAL);
    auto too_long = v4("1.2.3.4", 33);
    CHECK(m->update(&too_long, &v, BPF_ANY) == -EINVAL);
    CHECK(m->update(&b, &v, BPF_ANY) == 0);
    CHECK(m->update(&c, &v, BPF_ANY) == -ENOSPC);
    v = 9;
    CHECK(m->update(&b, &v, BPF_ANY) == 0); // replacing in a full trie works
    CHECK(route(*m, v4("11.2.3.4", 32)) == 9);
}

TEST_CASE("lpm: get_next_key is post-order, first key for missing keys") {
    auto m = make(def(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, BPF_F_NO_PREALLOC));
    V4Key next{};
    CHECK(m->get_next_key(nullptr, &next) == -ENOENT);
    const std::pair<const char*, uint32_t> prefixes[] = {
        {"192.168.0.0", 16}, {"192.168.0.0", 24}, {"192.168.1.0", 24}, {"10.0.0.0", 8},
        {"192.168.0.0", 23}};
    uint32_t v = 0;
    for (auto [ip, len] : prefixes) {
        auto k = v4(ip, len);
        REQUIRE(m->update(&k, &v, BPF_ANY) == 0);
    }
    // more specific before less specific; the 0 branch before the 1 branch
    const std::pair<const char*, uint32_t> expected[] = {
        {"10.0.0.0", 8}, {"192.168.0.0", 24}, {"192.168.1.0", 24}, {"192.168.0.0", 23},
        {"192.168.0.0", 16}};
    const void* cur = nullptr;
    V4Key key{};
    for (auto [ip, len] : expected) {
        REQUIRE(m->get_next_key(cur, &next) == 0);
        auto want = v4(ip, len);
        CHECK(next.prefixlen == want.prefixlen);
        CHECK(std::memcmp(next.addr, want.addr, 4) == 0);
        key = next;
        cur = &key;
    }
    CHECK(m->get_next_key(cur, &next) == -ENOENT);
    auto missing = v4("1.1.1.1", 32);
    REQUIRE(m->get_next_key(&missing, &next) == 0);
    CHECK(next.prefixlen == 8);
}
