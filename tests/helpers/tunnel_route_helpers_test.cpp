// Tunnel key/options, fib_lookup and check_mtu (with and without a HostNetwork), and the
// tc redirect variants, against filter.c's documented results.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstddef>

#include "helper_test_support.hpp"
#include "net_test_support.hpp"
#include "ebpfjit/xdp_frame.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;
using runtime::SkbPacket;

namespace {

runtime::TunnelInfo rx_v4() {
    runtime::TunnelInfo t;
    t.id = 0x123456;
    t.remote[0] = 0xc0a80101; // 192.168.1.1 (host order, as bpf_tunnel_key)
    t.local[0] = 0xc0a80102;
    t.tos = 0x10;
    t.ttl = 63;
    t.flags = 0x04;
    return t;
}

bpf_fib_lookup v4_query(uint32_t ifindex, uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    bpf_fib_lookup p{};
    p.family = AF_INET;
    p.ifindex = ifindex;
    const uint8_t dst[4] = {a, b, c, d};
    std::memcpy(&p.ipv4_dst, dst, 4);
    return p;
}

int64_t fib(SkbPacket& skb, bpf_fib_lookup& p, uint64_t flags = 0, uint64_t plen = sizeof(bpf_fib_lookup)) {
    return as_long(call(BPF_FUNC_fib_lookup, skb.ctx_address(), addr(&p), plen, flags));
}

} // namespace

TEST_CASE("skb_get_tunnel_key reads the received tunnel info", "[helpers][net]") {
    SkbPacket skb = loaded_skb(udp4_frame());
    RunScope run(ProgramType::SchedCls, skb.ctx());
    bpf_tunnel_key key;
    std::memset(&key, 0xee, sizeof key);
    CHECK(as_long(call(BPF_FUNC_skb_get_tunnel_key, skb.ctx_address(), addr(&key), sizeof key, 0)) == -EINVAL);
    CHECK(key.tunnel_id == 0); // cleared on error

    runtime::SkbMetadata meta;
    meta.tunnel = rx_v4();
    REQUIRE(skb.load(udp4_frame(), meta));
    CHECK(call(BPF_FUNC_skb_get_tunnel_key, skb.ctx_address(), addr(&key), sizeof key, 0) == 0);
    CHECK(key.tunnel_id == 0x123456);
    CHECK(key.remote_ipv4 == 0xc0a80101);
    CHECK(key.local_ipv4 == 0xc0a80102);
    CHECK(key.tunnel_tos == 0x10);
    CHECK(key.tunnel_ttl == 63);
    CHECK(key.tunnel_ext == 0);
    CHECK(call(BPF_FUNC_skb_get_tunnel_key, skb.ctx_address(), addr(&key), sizeof key, BPF_F_TUNINFO_FLAGS) == 0);
    CHECK(key.tunnel_flags == htons(0x04));
    CHECK(as_long(call(BPF_FUNC_skb_get_tunnel_key, skb.ctx_address(), addr(&key), sizeof key,
                       BPF_F_TUNINFO_IPV6)) == -EPROTO);
    CHECK(as_long(call(BPF_FUNC_skb_get_tunnel_key, skb.ctx_address(), addr(&key), sizeof key, 1ULL << 9)) ==
          -EINVAL);
    // Older layouts: compat sizes work, others do not.
    uint8_t small[offsetof(bpf_tunnel_key, tunnel_label)];
    CHECK(call(BPF_FUNC_skb_get_tunnel_key, skb.ctx_address(), addr(small), sizeof small, 0) == 0);
    uint8_t odd[30];
    CHECK(as_long(call(BPF_FUNC_skb_get_tunnel_key, skb.ctx_address(), addr(odd), sizeof odd, 0)) == -EINVAL);
}

TEST_CASE("skb_set_tunnel_key sets the transmit tunnel info", "[helpers][net]") {
    SkbPacket skb = loaded_skb(udp4_frame());
    RunScope run(ProgramType::SchedCls, skb.ctx());
    bpf_tunnel_key key{};
    key.tunnel_id = 42;
    key.remote_ipv4 = 0x0a000001;
    key.local_ipv4 = 0x0a000002;
    key.tunnel_ttl = 64;
    CHECK(call(BPF_FUNC_skb_set_tunnel_key, skb.ctx_address(), addr(&key), sizeof key,
               BPF_F_DONT_FRAGMENT | BPF_F_ZERO_CSUM_TX) == 0);
    REQUIRE(skb.tunnel());
    const runtime::TunnelInfo& t = *skb.tunnel();
    CHECK(t.tx);
    CHECK_FALSE(t.ipv6);
    CHECK(t.id == 42);
    CHECK(t.remote[0] == 0x0a000001);
    CHECK(t.local[0] == 0x0a000002);
    CHECK(t.ttl == 64);
    CHECK(t.flags == (0x04 | 0x0100 | 0x2000)); // KEY | DONT_FRAGMENT | NOCACHE, no CSUM
    // Read back: the kernel reads key.u.src as remote, so a transmit key comes back swapped.
    bpf_tunnel_key back{};
    CHECK(call(BPF_FUNC_skb_get_tunnel_key, skb.ctx_address(), addr(&back), sizeof back, 0) == 0);
    CHECK(back.remote_ipv4 == 0x0a000002);
    CHECK(back.local_ipv4 == 0x0a000001);

    key.tunnel_label = 5;
    CHECK(as_long(call(BPF_FUNC_skb_set_tunnel_key, skb.ctx_address(), addr(&key), sizeof key, 0)) == -EINVAL);
    CHECK(call(BPF_FUNC_skb_set_tunnel_key, skb.ctx_address(), addr(&key), sizeof key, BPF_F_TUNINFO_IPV6) == 0);
    CHECK(skb.tunnel()->ipv6);
    CHECK(skb.tunnel()->label == 5);
    CHECK(as_long(call(BPF_FUNC_skb_set_tunnel_key, skb.ctx_address(), addr(&key), sizeof key, 1ULL << 6)) ==
          -EINVAL);
    CHECK(as_long(call(BPF_FUNC_skb_set_tunnel_key, skb.ctx_address(), addr(&key), 30, 0)) == -EINVAL);
    key.tunnel_label = 0;
    CHECK(call(BPF_FUNC_skb_set_tunnel_key, skb.ctx_address(), addr(&key), offsetof(bpf_tunnel_key, remote_ipv6[1]),
               0) == 0);
}

TEST_CASE("skb_get/set_tunnel_opt", "[helpers][net]") {
    runtime::SkbMetadata meta;
    meta.tunnel = rx_v4();
    SkbPacket skb = loaded_skb(udp4_frame(), meta);
    RunScope run(ProgramType::SchedCls, skb.ctx());
    uint8_t opt[12];
    std::memset(opt, 0xee, sizeof opt);
    CHECK(as_long(call(BPF_FUNC_skb_get_tunnel_opt, skb.ctx_address(), addr(opt), sizeof opt)) == -ENOENT);
    CHECK(opt[0] == 0);
    const uint8_t geneve[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    // Only on a key this program set.
    CHECK(as_long(call(BPF_FUNC_skb_set_tunnel_opt, skb.ctx_address(), addr(geneve), 8)) == -EINVAL);
    bpf_tunnel_key key{};
    REQUIRE(call(BPF_FUNC_skb_set_tunnel_key, skb.ctx_address(), addr(&key), sizeof key, 0) == 0);
    CHECK(as_long(call(BPF_FUNC_skb_set_tunnel_opt, skb.ctx_address(), addr(geneve), 6)) == -EINVAL);
    uint8_t huge[256] = {};
    CHECK(as_long(call(BPF_FUNC_skb_set_tunnel_opt, skb.ctx_address(), addr(huge), 256)) == -ENOMEM);
    CHECK(call(BPF_FUNC_skb_set_tunnel_opt, skb.ctx_address(), addr(geneve), 8) == 0);
    CHECK(as_long(call(BPF_FUNC_skb_get_tunnel_opt, skb.ctx_address(), addr(opt), 4)) == -ENOMEM);
    CHECK(call(BPF_FUNC_skb_get_tunnel_opt, skb.ctx_address(), addr(opt), sizeof opt) == 8);
    CHECK(std::memcmp(opt, geneve, 8) == 0);
    CHECK((opt[8] | opt[9] | opt[10] | opt[11]) == 0);
    CHECK(skb.tunnel()->options.size() == 8);
}

TEST_CASE("fib_lookup without a network: NOT_FWDED after the argument checks", "[helpers][net]") {
    SkbPacket skb = loaded_skb(udp4_frame());
    RunScope run(ProgramType::SchedCls, skb.ctx());
    bpf_fib_lookup p = v4_query(1, 10, 1, 2, 3);
    CHECK(fib(skb, p) == BPF_FIB_LKUP_RET_NOT_FWDED);
    CHECK(fib(skb, p, 0, sizeof p - 1) == -EINVAL);
    CHECK(fib(skb, p, 1ULL << 8) == -EINVAL);
    p.family = 3;
    CHECK(fib(skb, p) == -EAFNOSUPPORT);
}

TEST_CASE("fib_lookup over a HostNetwork", "[helpers][net]") {
    auto net = sample_network();
    SkbPacket skb = loaded_skb(udp4_frame());
    RunScope run(ProgramType::SchedCls, skb.ctx());
    run.state().network = net.get();

    bpf_fib_lookup p = v4_query(9, 10, 1, 2, 3);
    CHECK(fib(skb, p) == -ENODEV);
    p = v4_query(3, 10, 1, 2, 3);
    CHECK(fib(skb, p) == BPF_FIB_LKUP_RET_FWD_DISABLED);
    p = v4_query(1, 8, 8, 8, 8);
    CHECK(fib(skb, p) == BPF_FIB_LKUP_RET_NOT_FWDED);
    p = v4_query(1, 198, 18, 0, 1);
    CHECK(fib(skb, p) == BPF_FIB_LKUP_RET_BLACKHOLE);
    p = v4_query(1, 198, 19, 0, 1);
    CHECK(fib(skb, p) == BPF_FIB_LKUP_RET_UNREACHABLE);
    p = v4_query(1, 203, 0, 113, 7);
    CHECK(fib(skb, p) == BPF_FIB_LKUP_RET_PROHIBIT);

    // Via the gateway, resolved: egress device, gateway as destination, MACs, metric.
    p = v4_query(1, 10, 1, 2, 3);
    CHECK(fib(skb, p) == BPF_FIB_LKUP_RET_SUCCESS);
    CHECK(p.ifindex == 2);
    const uint8_t gw[4] = {192, 168, 2, 254};
    CHECK(std::memcmp(&p.ipv4_dst, gw, 4) == 0);
    const uint8_t dmac[6] = {0xaa, 0xbb, 0xcc, 0, 0, 1}, smac[6] = {2, 0, 0, 0, 0, 2};
    CHECK(std::memcmp(p.dmac, dmac, 6) == 0);
    CHECK(std::memcmp(p.smac, smac, 6) == 0);
    CHECK(p.rt_metric == 7);
    CHECK(p.mtu_result == 1400); // tc, tot_len 0: the egress device's MTU

    // On-link destination without a neighbour entry; SKIP_NEIGH forwards anyway.
    p = v4_query(1, 172, 16, 0, 9);
    CHECK(fib(skb, p) == BPF_FIB_LKUP_RET_NO_NEIGH);
    CHECK(p.ifindex == 2);
    p = v4_query(1, 172, 16, 0, 9);
    CHECK(fib(skb, p, BPF_FIB_LOOKUP_SKIP_NEIGH) == BPF_FIB_LKUP_RET_SUCCESS);
    CHECK(std::memcmp(p.smac, smac, 6) == 0);

    // MTU: tot_len over the route's device MTU.
    p = v4_query(1, 10, 1, 2, 3);
    p.tot_len = 1401;
    CHECK(fib(skb, p) == BPF_FIB_LKUP_RET_FRAG_NEEDED);
    CHECK(p.mtu_result == 1400);
    p = v4_query(1, 10, 1, 2, 3);
    p.tot_len = 1400;
    CHECK(fib(skb, p) == BPF_FIB_LKUP_RET_SUCCESS);
    // BPF_FIB_LOOKUP_SRC, DIRECT + TBID.
    p = v4_query(1, 10, 1, 2, 3);
    CHECK(fib(skb, p, BPF_FIB_LOOKUP_SRC) == BPF_FIB_LKUP_RET_SUCCESS);
    const uint8_t src[4] = {192, 168, 2, 1};
    CHECK(std::memcmp(&p.ipv4_src, src, 4) == 0);
    p = v4_query(1, 172, 16, 0, 9);
    CHECK(fib(skb, p, BPF_FIB_LOOKUP_SRC | BPF_FIB_LOOKUP_SKIP_NEIGH) == BPF_FIB_LKUP_RET_NO_SRC_ADDR);
    p = v4_query(1, 8, 8, 8, 8);
    p.tbid = 100;
    CHECK(fib(skb, p, BPF_FIB_LOOKUP_DIRECT | BPF_FIB_LOOKUP_TBID | BPF_FIB_LOOKUP_SKIP_NEIGH) ==
          BPF_FIB_LKUP_RET_SUCCESS);
    p = v4_query(1, 8, 8, 8, 8);
    CHECK(fib(skb, p, BPF_FIB_LOOKUP_DIRECT) == BPF_FIB_LKUP_RET_NOT_FWDED);

    // IPv6: via a link-local gateway with a neighbour; link-local destinations never forward.
    bpf_fib_lookup q{};
    q.family = AF_INET6;
    q.ifindex = 1;
    const uint8_t dst6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5};
    std::memcpy(q.ipv6_dst, dst6, 16);
    CHECK(fib(skb, q) == BPF_FIB_LKUP_RET_SUCCESS);
    CHECK(reinterpret_cast<const uint8_t*>(q.ipv6_dst)[0] == 0xfe); // the gateway
    CHECK(q.dmac[5] == 6);
    CHECK(q.rt_metric == 3);
    bpf_fib_lookup ll{};
    ll.family = AF_INET6;
    ll.ifindex = 1;
    reinterpret_cast<uint8_t*>(ll.ipv6_dst)[0] = 0xfe, reinterpret_cast<uint8_t*>(ll.ipv6_dst)[1] = 0x80;
    CHECK(fib(skb, ll) == BPF_FIB_LKUP_RET_NOT_FWDED);
    // tc with tot_len 0: the skb itself must be forwardable.
    SkbPacket big = loaded_skb(udp4_frame(0, 1400));
    {
        // (last: a nested RunScope clears the current state when it ends)
        RunScope r2(ProgramType::SchedCls, big.ctx());
        r2.state().network = net.get();
        p = v4_query(1, 10, 1, 2, 3);
        CHECK(fib(big, p) == BPF_FIB_LKUP_RET_FRAG_NEEDED);
        CHECK(p.mtu_result == 1400);
    }

}

TEST_CASE("fib_lookup from XDP always checks tot_len against the MTU", "[helpers][net]") {
    auto net = sample_network();
    runtime::XdpFrame frame;
    REQUIRE(frame.load(udp4_frame(0, 1500)));
    RunScope run(ProgramType::Xdp, frame.ctx());
    run.state().network = net.get();
    bpf_fib_lookup p = v4_query(1, 10, 1, 2, 3);
    CHECK(call(BPF_FUNC_fib_lookup, frame.ctx_address(), addr(&p), sizeof p, 0) == BPF_FIB_LKUP_RET_SUCCESS);
    CHECK(p.mtu_result == 1400); // check_mtu: written back on success
    p = v4_query(1, 10, 1, 2, 3);
    p.tot_len = 1500;
    CHECK(call(BPF_FUNC_fib_lookup, frame.ctx_address(), addr(&p), sizeof p, 0) == BPF_FIB_LKUP_RET_FRAG_NEEDED);
}

TEST_CASE("check_mtu on tc and XDP", "[helpers][net]") {
    runtime::SkbMetadata meta;
    meta.ifindex = 2;
    SkbPacket skb = loaded_skb(udp4_frame(0, 1372), meta); // 1414 bytes: 1400 + ETH_HLEN
    RunScope run(ProgramType::SchedCls, skb.ctx());
    uint32_t mtu = 0;
    CHECK(as_long(call(BPF_FUNC_check_mtu, skb.ctx_address(), 0, addr(&mtu), 0, 0)) == -ENODEV); // no network
    auto net = sample_network();
    run.state().network = net.get();
    CHECK(call(BPF_FUNC_check_mtu, skb.ctx_address(), 0, addr(&mtu), 0, 0) == BPF_MTU_CHK_RET_SUCCESS);
    CHECK(mtu == 1400);
    mtu = 0;
    CHECK(call(BPF_FUNC_check_mtu, skb.ctx_address(), 0, addr(&mtu), 1, 0) == BPF_MTU_CHK_RET_FRAG_NEEDED);
    mtu = 0;
    CHECK(call(BPF_FUNC_check_mtu, skb.ctx_address(), 1, addr(&mtu), 1, 0) == BPF_MTU_CHK_RET_SUCCESS);
    CHECK(mtu == 1500);
    mtu = 1401; // L3 length in: compared with the MTU
    CHECK(call(BPF_FUNC_check_mtu, skb.ctx_address(), 0, addr(&mtu), 0, 0) == BPF_MTU_CHK_RET_FRAG_NEEDED);
    mtu = 0;
    CHECK(as_long(call(BPF_FUNC_check_mtu, skb.ctx_address(), 9, addr(&mtu), 0, 0)) == -ENODEV);
    CHECK(as_long(call(BPF_FUNC_check_mtu, skb.ctx_address(), 0, addr(&mtu), 0, 2)) == -EINVAL);
    CHECK(as_long(call(BPF_FUNC_check_mtu, skb.ctx_address(), 0, addr(&mtu), 4, BPF_MTU_CHK_SEGS)) == -EINVAL);
    CHECK(call(BPF_FUNC_check_mtu, skb.ctx_address(), 0, addr(&mtu), 0, BPF_MTU_CHK_SEGS) ==
          BPF_MTU_CHK_RET_SUCCESS);

    runtime::XdpFrame frame;
    REQUIRE(frame.load(udp4_frame(0, 1372), {.ingress_ifindex = 2}));
    RunScope xrun(ProgramType::Xdp, frame.ctx());
    xrun.state().network = net.get();
    mtu = 0;
    CHECK(call(BPF_FUNC_check_mtu, frame.ctx_address(), 0, addr(&mtu), 0, 0) == BPF_MTU_CHK_RET_SUCCESS);
    CHECK(call(BPF_FUNC_check_mtu, frame.ctx_address(), 0, addr(&mtu), 8, 0) == BPF_MTU_CHK_RET_FRAG_NEEDED);
    CHECK(as_long(call(BPF_FUNC_check_mtu, frame.ctx_address(), 0, addr(&mtu), 0, BPF_MTU_CHK_SEGS)) == -EINVAL);
}

TEST_CASE("redirect_peer, redirect_neigh and clone_redirect", "[helpers][net]") {
    SkbPacket skb = loaded_skb(udp4_frame());
    RunScope run(ProgramType::SchedCls, skb.ctx());
    auto& redirect = run.state().redirect;
    CHECK(call(BPF_FUNC_redirect_peer, 5, 1) == TC_ACT_SHOT);
    CHECK(call(BPF_FUNC_redirect_peer, 5, 0) == TC_ACT_REDIRECT);
    CHECK(redirect.ifindex == 5);
    CHECK(redirect.flags == ebpfjit::kRedirectPeer);

    CHECK(call(BPF_FUNC_redirect_neigh, 6, 0, 0, 0) == TC_ACT_REDIRECT);
    CHECK(redirect.ifindex == 6);
    CHECK(redirect.flags == ebpfjit::kRedirectNeigh);
    bpf_redir_neigh nh{};
    nh.nh_family = AF_INET;
    nh.ipv4_nh = htonl(0x0a000001);
    CHECK(call(BPF_FUNC_redirect_neigh, 7, addr(&nh), sizeof nh, 0) == TC_ACT_REDIRECT);
    CHECK(redirect.flags == (ebpfjit::kRedirectNeigh | ebpfjit::kRedirectNexthop));
    CHECK(redirect.nh_family == AF_INET);
    CHECK(redirect.nh_address[0] == 10);
    CHECK(redirect.nh_address[3] == 1);
    CHECK(call(BPF_FUNC_redirect_neigh, 7, addr(&nh), 4, 0) == TC_ACT_SHOT);
    CHECK(call(BPF_FUNC_redirect_neigh, 7, 0, 0, 1) == TC_ACT_SHOT);

    CHECK(as_long(call(BPF_FUNC_clone_redirect, skb.ctx_address(), 2, 0)) == -EINVAL); // no network
    auto net = sample_network();
    run.state().network = net.get();
    CHECK(as_long(call(BPF_FUNC_clone_redirect, skb.ctx_address(), 9, 0)) == -EINVAL); // no such device
    CHECK(as_long(call(BPF_FUNC_clone_redirect, skb.ctx_address(), 2, 2)) == -EINVAL);
    CHECK(call(BPF_FUNC_clone_redirect, skb.ctx_address(), 2, BPF_F_INGRESS) == 0);
    skb.bytes()[0] = 0x77; // the clone is a copy
    REQUIRE(skb.clones().size() == 1);
    CHECK(skb.clones()[0].ifindex == 2);
    CHECK(skb.clones()[0].ingress);
    CHECK(skb.clones()[0].bytes == udp4_frame());
}
