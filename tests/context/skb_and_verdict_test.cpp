#include <catch2/catch.hpp>

#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/pkt_cls.h>

#include <vector>

#include "ebpfjit/skb_packet.hpp"
#include "runtime/context/verdict.hpp"

using namespace ebpfjit;
using namespace ebpfjit::runtime;

TEST_CASE("an skb exposes the __sk_buff subset", "[context][skb]") {
    std::vector<uint8_t> frame(60, 0);
    frame[12] = 0x86, frame[13] = 0xdd; // IPv6
    SkbPacket skb;
    SkbMetadata m;
    m.ifindex = 4;
    m.ingress_ifindex = 2;
    m.mark = 9;
    m.vlan_present = true;
    m.vlan_tci = 100;
    REQUIRE(skb.load(frame, m));
    const __sk_buff& u = skb.ctx()->uapi;
    CHECK(u.len == 60);
    CHECK(u.ifindex == 4);
    CHECK(u.ingress_ifindex == 2);
    CHECK(u.mark == 9);
    CHECK(u.vlan_present == 1);
    CHECK(u.vlan_tci == 100);
    CHECK(u.protocol == 0xdd86); // network byte order, as the kernel stores it
    CHECK(skb.ctx()->ptr.data_end - skb.ctx()->ptr.data == 60);
    CHECK(skb.ctx()->ptr.data_meta == skb.ctx()->ptr.data);
    CHECK(SkbPacket::from_ctx(skb.ctx_address()) == &skb);
}

TEST_CASE("a non-linear skb shows only its linear part to direct access", "[context][skb]") {
    std::vector<uint8_t> frame(100, 1);
    SkbPacket skb;
    SkbMetadata m;
    m.linear_length = 40;
    REQUIRE(skb.load(frame, m));
    CHECK(skb.linear_length() == 40);
    CHECK(skb.length() == 100);
    CHECK(skb.make_writable(101) == -ENOMEM);
    CHECK(skb.make_writable(64) == 0);
    CHECK(skb.linear_length() == 64);
}

TEST_CASE("an oversized skb is refused", "[context][skb]") {
    SkbPacket skb(512);
    std::vector<uint8_t> frame(512 - 256 + 1);
    CHECK_FALSE(skb.load(frame));
}

TEST_CASE("XDP verdicts", "[context][verdict]") {
    RedirectDecision none;
    CHECK(xdp_verdict(XDP_PASS, none).action == XdpAction::Pass);
    CHECK(xdp_verdict(XDP_DROP, none).action == XdpAction::Drop);
    CHECK(xdp_verdict(XDP_TX, none).action == XdpAction::Tx);
    CHECK(xdp_verdict(XDP_ABORTED, none).action == XdpAction::Aborted);
    CHECK(xdp_verdict(XDP_REDIRECT, none).action == XdpAction::Aborted); // no target
    CHECK(xdp_verdict(99, none).action == XdpAction::Aborted);
    CHECK(xdp_verdict(99, none).returned == 99);
    CHECK(xdp_verdict((1ull << 32) | XDP_PASS, none).action == XdpAction::Pass); // u32 result
    RedirectDecision port{true, 5, 0, nullptr, 0};
    auto v = xdp_verdict(XDP_REDIRECT, port);
    CHECK(v.action == XdpAction::Redirect);
    CHECK(v.redirect.ifindex == 5);
    CHECK(to_string(XdpAction::Tx) == "XDP_TX");
}

TEST_CASE("tc verdicts", "[context][verdict]") {
    RedirectDecision none;
    CHECK(tc_verdict(TC_ACT_OK, none).outcome == TcOutcome::Pass);
    CHECK(tc_verdict(uint64_t(int64_t(TC_ACT_UNSPEC)), none).outcome == TcOutcome::Pass);
    CHECK(tc_verdict(uint64_t(int64_t(TC_ACT_UNSPEC)), none).code == -1);
    CHECK(tc_verdict(TC_ACT_SHOT, none).outcome == TcOutcome::Drop);
    CHECK(tc_verdict(TC_ACT_STOLEN, none).outcome == TcOutcome::Consumed);
    CHECK(tc_verdict(TC_ACT_REDIRECT, none).outcome == TcOutcome::Drop);
    RedirectDecision port{true, 2, BPF_F_INGRESS, nullptr, 0};
    auto v = tc_verdict(TC_ACT_REDIRECT, port);
    CHECK(v.outcome == TcOutcome::Redirect);
    CHECK(v.redirect.flags == BPF_F_INGRESS);
}

TEST_CASE("socket filters keep min(r0, len) bytes", "[context][verdict]") {
    CHECK(socket_filter_keep_bytes(0, 100) == 0);
    CHECK(socket_filter_keep_bytes(40, 100) == 40);
    CHECK(socket_filter_keep_bytes(0xffffffff, 100) == 100);
    CHECK(socket_filter_keep_bytes((1ull << 32) | 10, 100) == 10); // r0 is a u32
}

TEST_CASE("LD_ABS reads big-endian values inside the packet only", "[context][skb]") {
    std::vector<uint8_t> frame(20);
    for (size_t i = 0; i < frame.size(); ++i) frame[i] = uint8_t(0x10 + i);
    SkbPacket skb;
    SkbMetadata m;
    m.linear_length = 8; // LD_ABS sees the non-linear part too
    REQUIRE(skb.load(frame, m));
    const uint64_t ctx = skb.ctx_address();
    CHECK(SkbPacket::load_abs(ctx, 12, 2) == 0x1c1du);
    CHECK(SkbPacket::load_abs(ctx, 16, 4) == 0x20212223u);
    CHECK(SkbPacket::load_abs(ctx, 0, 1) == 0x10u);
    CHECK_FALSE(SkbPacket::load_abs(ctx, 17, 4));
    CHECK_FALSE(SkbPacket::load_abs(ctx, 20, 1));
    CHECK_FALSE(SkbPacket::load_abs(ctx, -1, 1));
    CHECK(SkbPacket::load_abs(ctx, SKF_LL_OFF + 1, 1) == 0x11u);
    CHECK_FALSE(SkbPacket::load_abs(ctx, SKF_NET_OFF, 1));
    CHECK_FALSE(SkbPacket::load_abs(ctx, 0, 8));
}
