#include <arpa/inet.h>

#include <atomic>
#include <initializer_list>
#include <string>
#include <thread>
#include <vector>

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

// A prefix and its value: a route to add, or a lookup and the value it finds (-1: none).
struct Route {
    const char* ip;
    uint32_t len;
    int value;
};

// make_key is v4 or v6.
template <class MakeKey>
void add_routes(Map& m, MakeKey make_key, std::initializer_list<Route> routes) {
    for (const Route& r : routes) {
        auto k = make_key(r.ip, r.len);
        const auto value = static_cast<uint32_t>(r.value);
        REQUIRE(m.update(&k, &value, BPF_ANY) == 0);
    }
}

template <class MakeKey>
void check_routes(Map& m, MakeKey make_key, std::initializer_list<Route> lookups) {
    for (const Route& r : lookups) {
        INFO(r.ip << "/" << r.len);
        CHECK(route(m, make_key(r.ip, r.len)) == r.value);
    }
}

} // namespace

TEST_CASE("lpm: IPv4 longest-prefix match") {
    auto m = make(def(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, BPF_F_NO_PREALLOC));
    add_routes(*m, v4,
               {{"0.0.0.0", 0, 1}, {"10.0.0.0", 8, 2}, {"10.1.0.0", 16, 3}, {"10.1.2.0", 24, 4},
                {"10.1.3.0", 24, 5}, {"192.168.0.0", 16, 6}, {"10.1.2.3", 32, 7}});
    check_routes(*m, v4,
                 {{"10.1.2.3", 32, 7}, {"10.1.2.4", 32, 4}, {"10.1.3.200", 32, 5}, {"10.1.4.1", 32, 3},
                  {"10.200.0.1", 32, 2}, {"192.168.77.1", 32, 6}, {"8.8.8.8", 32, 1},
                  {"10.1.2.3", 20, 3}}); // the last: the key's prefixlen bounds the match

    // delete is exact (prefix and length)
    auto k = v4("10.1.0.0", 15);
    CHECK(m->remove(&k) == -ENOENT);
    k = v4("10.1.0.0", 16);
    CHECK(m->remove(&k) == 0);
    CHECK(m->remove(&k) == -ENOENT);
    check_routes(*m, v4, {{"10.1.4.1", 32, 2}, {"10.1.2.9", 32, 4}});
    k = v4("0.0.0.0", 0);
    CHECK(m->remove(&k) == 0);
    CHECK(route(*m, v4("8.8.8.8", 32)) == -1);
}

TEST_CASE("lpm: IPv6 longest-prefix match") {
    auto m = make(def(BPF_MAP_TYPE_LPM_TRIE, 20, 4, 16, BPF_F_NO_PREALLOC));
    add_routes(*m, v6,
               {{"2001:db8::", 32, 1}, {"2001:db8:1::", 48, 2}, {"2001:db8:1:2::", 64, 3},
                {"2001:db8:1:2::1", 128, 4}, {"fe80::", 10, 5}});
    check_routes(*m, v6,
                 {{"2001:db8:1:2::1", 128, 4}, {"2001:db8:1:2::2", 128, 3}, {"2001:db8:1:3::1", 128, 2},
                  {"2001:db8:ffff::1", 128, 1}, {"febf::1", 128, 5}, {"2002::1", 128, -1}});
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

// Lookups take no lock: while one thread adds and removes prefixes above, beside and
// below the ones that stay (relinking and recycling nodes around them), readers must
// still find the longest prefix that stays, and nothing where none covers.
TEST_CASE("lpm: lock-free lookups stay right while a writer churns the trie", "[threads]") {
    auto m = make(def(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 64, BPF_F_NO_PREALLOC));
    const uint32_t stays = 1, churns = 2;
    for (auto k : {v4("10.1.2.0", 24), v4("192.168.0.0", 16)}) REQUIRE(m->update(&k, &stays, BPF_ANY) == 0);
    const std::vector<V4Key> churned = {v4("10.0.0.0", 8),     v4("10.1.0.0", 16),  v4("10.1.2.128", 25),
                                        v4("10.1.0.0", 20),    v4("10.1.3.0", 24),  v4("192.0.0.0", 8),
                                        v4("192.168.7.0", 24), v4("10.1.2.200", 32), v4("0.0.0.0", 1)};
    const V4Key stays_24 = v4("10.1.2.5", 32), stays_16 = v4("192.168.3.3", 32), either = v4("10.1.2.201", 32),
                nowhere = v4("200.0.0.1", 32);

    std::atomic<bool> done{false};
    std::atomic<uint64_t> wrong{0}, lookups{0};
    auto reader = [&] {
        while (!done.load(std::memory_order_relaxed)) {
            // Values are read only from nodes that stay: a churned node is recycled at once
            // (no RCU grace period), so reading its value would race the writer.
            const int a = route(*m, stays_24), b = route(*m, stays_16);
            const bool covered = m->lookup(&either) != nullptr, uncovered = m->lookup(&nowhere) == nullptr;
            if (a != 1 || b != 1 || !covered || !uncovered) wrong.fetch_add(1);
            lookups.fetch_add(4, std::memory_order_relaxed);
        }
    };
    std::vector<std::thread> readers;
    for (int r = 0; r < 2; ++r) readers.emplace_back(reader);
    // Churn for at least 50,000 changes and until the readers (maybe scheduled late on a
    // busy machine) have looked up 50,000 times.
    size_t round = 0;
    for (; round < 50000 || lookups.load(std::memory_order_relaxed) < 50000; ++round) {
        const V4Key& k = churned[round % churned.size()];
        const int result = round / churned.size() % 2 == 0 ? m->update(&k, &churns, BPF_NOEXIST) : m->remove(&k);
        if (result != 0) FAIL("change " << round << " failed: " << result);
    }
    done = true;
    for (auto& t : readers) t.join();
    CHECK(wrong.load() == 0);
    CHECK(route(*m, stays_24) == 1);
}
