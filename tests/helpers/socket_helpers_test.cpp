// The socket helpers' argument rules (bpf-helpers.7, net/core/filter.c): tuple sizes
// (12 = IPv4, 36 = IPv6, anything else NULL), reserved flags and netns ids beyond 32 bits
// (NULL), netns -1 (any negative s32) = the program's namespace, n >= 0 = namespace n;
// sk_release / sk_assign only on sockets the run holds, with the kernel's errors.
#include "helper_test_support.hpp"

#include <linux/bpf.h>

#include <cerrno>
#include <cstring>

#include "ebpfjit/skb_packet.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

uint64_t call_builtin(int32_t id, uint64_t a = 0, uint64_t b = 0, uint64_t c = 0, uint64_t d = 0, uint64_t e = 0) {
    const helpers::Helper* h = helpers::HelperTable::builtin().find(id);
    REQUIRE(h);
    REQUIRE(h->fn);
    return h->fn(a, b, c, d, e);
}

// struct bpf_sock_tuple.ipv4: saddr, daddr, sport, dport (network order).
std::array<uint8_t, 12> tuple_v4(std::array<uint8_t, 4> src, uint16_t sport, std::array<uint8_t, 4> dst,
                                 uint16_t dport) {
    std::array<uint8_t, 12> t{};
    std::memcpy(t.data(), src.data(), 4);
    std::memcpy(t.data() + 4, dst.data(), 4);
    t[8] = uint8_t(sport >> 8), t[9] = uint8_t(sport), t[10] = uint8_t(dport >> 8), t[11] = uint8_t(dport);
    return t;
}

SocketSpec listener(uint16_t port, int32_t netns = -1) {
    SocketSpec s;
    s.state = kTcpListen;
    s.local = SocketEndpoint::v4({0, 0, 0, 0}, port);
    s.netns = netns;
    return s;
}

} // namespace

TEST_CASE("socket lookups: tuple size, flags and netns as the kernel reads them", "[helpers][sockets]") {
    SocketTable table;
    const uint64_t own = *table.add(listener(80));
    const uint64_t other = *table.add(listener(80, 3));
    SocketSpec v6 = listener(443);
    v6.ipv6 = true;
    const uint64_t six = *table.add(v6);
    runtime::SkbPacket skb;
    REQUIRE(skb.load(std::vector<uint8_t>(60, 0)));
    RunScope scope(ProgramType::SchedCls, skb.ctx());
    scope.state().sockets = &table;
    const uint64_t ctx = skb.ctx_address();
    auto t = tuple_v4({1, 2, 3, 4}, 1000, {5, 6, 7, 8}, 80);
    // A socket pointer is the address of the held Socket's struct bpf_sock fields.
    auto cookie_of = [&scope](uint64_t sk) {
        auto held = scope.state().held_socket(sk);
        REQUIRE(held);
        return held->spec.cookie;
    };

    uint64_t sk = call_builtin(BPF_FUNC_sk_lookup_tcp, ctx, addr(t.data()), 12, uint64_t(-1), 0);
    REQUIRE(sk != 0);
    CHECK(cookie_of(sk) == own);
    CHECK(scope.state().held_sockets.size() == 1);
    // (s32)netns < 0 is the program's namespace, whatever the upper bits.
    sk = call_builtin(BPF_FUNC_sk_lookup_tcp, ctx, addr(t.data()), 12, 0xffffffffULL, 0);
    REQUIRE(sk != 0);
    CHECK(cookie_of(sk) == own);
    sk = call_builtin(BPF_FUNC_sk_lookup_tcp, ctx, addr(t.data()), 12, 3, 0);
    REQUIRE(sk != 0);
    CHECK(cookie_of(sk) == other);
    CHECK(call_builtin(BPF_FUNC_sk_lookup_tcp, ctx, addr(t.data()), 12, 4, 0) == 0);              // no such netns
    CHECK(call_builtin(BPF_FUNC_sk_lookup_tcp, ctx, addr(t.data()), 12, 0x100000000ULL, 0) == 0); // reserved
    CHECK(call_builtin(BPF_FUNC_sk_lookup_tcp, ctx, addr(t.data()), 12, uint64_t(-1), 1) == 0);   // flags
    CHECK(call_builtin(BPF_FUNC_sk_lookup_tcp, ctx, addr(t.data()), 11, uint64_t(-1), 0) == 0);   // size
    CHECK(call_builtin(BPF_FUNC_sk_lookup_udp, ctx, addr(t.data()), 12, uint64_t(-1), 0) == 0);   // protocol
    std::array<uint8_t, 36> t6{};
    t6[35] = 443 & 0xff, t6[34] = 443 >> 8;
    sk = call_builtin(BPF_FUNC_skc_lookup_tcp, ctx, addr(t6.data()), 36, uint64_t(-1), 0);
    REQUIRE(sk != 0);
    CHECK(cookie_of(sk) == six);
    CHECK(scope.state().held_sockets.size() == 4);

    // Release: each reference once; anything else is -EINVAL, never dereferenced.
    CHECK(call_builtin(BPF_FUNC_sk_release, sk) == 0);
    CHECK(as_long(call_builtin(BPF_FUNC_sk_release, sk)) == -EINVAL);
    CHECK(as_long(call_builtin(BPF_FUNC_sk_release, 0x1000)) == -EINVAL);
    CHECK(scope.state().held_sockets.size() == 3);
}

TEST_CASE("sk_assign and get_socket_cookie: the kernel's errors", "[helpers][sockets]") {
    SocketTable table;
    const uint64_t own = *table.add(listener(80));
    table.add(listener(80, 3)).value();
    runtime::SkbPacket skb;
    REQUIRE(skb.load(std::vector<uint8_t>(60, 0)));
    RunScope scope(ProgramType::SchedCls, skb.ctx());
    scope.state().sockets = &table;
    const uint64_t ctx = skb.ctx_address();
    auto t = tuple_v4({1, 2, 3, 4}, 1000, {5, 6, 7, 8}, 80);
    const uint64_t sk = call_builtin(BPF_FUNC_sk_lookup_tcp, ctx, addr(t.data()), 12, uint64_t(-1), 0);
    const uint64_t foreign = call_builtin(BPF_FUNC_sk_lookup_tcp, ctx, addr(t.data()), 12, 3, 0);
    REQUIRE(sk != 0);
    REQUIRE(foreign != 0);

    CHECK(call_builtin(BPF_FUNC_get_socket_cookie, ctx) == 0); // no skb->sk yet
    CHECK(as_long(call_builtin(BPF_FUNC_sk_assign, ctx, sk, 1)) == -EINVAL);       // flags
    CHECK(as_long(call_builtin(BPF_FUNC_sk_assign, ctx, 0, 0)) == -EINVAL);        // NULL
    CHECK(as_long(call_builtin(BPF_FUNC_sk_assign, ctx, foreign, 0)) == -ENETUNREACH);
    CHECK_FALSE(skb.assigned_socket());
    CHECK(call_builtin(BPF_FUNC_sk_assign, ctx, sk, 0) == 0);
    REQUIRE(skb.assigned_socket());
    CHECK(call_builtin(BPF_FUNC_get_socket_cookie, ctx) == own);
    // Unhashed while held: the reference stays valid, sk_assign refuses it.
    CHECK(table.remove(own));
    CHECK(as_long(call_builtin(BPF_FUNC_sk_assign, ctx, sk, 0)) == -EOPNOTSUPP);
    CHECK(call_builtin(BPF_FUNC_sk_release, sk) == 0);
    CHECK(call_builtin(BPF_FUNC_sk_release, foreign) == 0);
    CHECK(scope.state().held_sockets.empty());
}

TEST_CASE("socket lookups without a socket table are NULL", "[helpers][sockets]") {
    runtime::SkbPacket skb;
    REQUIRE(skb.load(std::vector<uint8_t>(60, 0)));
    RunScope scope(ProgramType::SchedCls, skb.ctx());
    auto t = tuple_v4({1, 2, 3, 4}, 1000, {5, 6, 7, 8}, 80);
    for (int32_t id : {BPF_FUNC_sk_lookup_tcp, BPF_FUNC_sk_lookup_udp, BPF_FUNC_skc_lookup_tcp})
        CHECK(call_builtin(id, skb.ctx_address(), addr(t.data()), 12, uint64_t(-1), 0) == 0);
    CHECK(scope.state().held_sockets.empty());
}
