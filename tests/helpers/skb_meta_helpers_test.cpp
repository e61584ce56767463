// The skb metadata helpers against filter.c's documented results: hash, packet type,
// checksum level, ECN, socket / cgroup / realm / netns answers, load_bytes_relative.
#include <linux/bpf.h>
#include <linux/if_packet.h>

#include <cerrno>

#include "helper_test_support.hpp"
#include "net_test_support.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;
using runtime::SkbPacket;

namespace {
constexpr int64_t kENOTSUPP = -524;
}

TEST_CASE("get_hash_recalc computes a flow hash once the skb has none", "[helpers][net]") {
    SkbPacket skb = loaded_skb(udp4_frame());
    RunScope run(ProgramType::SchedCls, skb.ctx());
    const uint32_t h = uint32_t(call(BPF_FUNC_get_hash_recalc, skb.ctx_address()));
    CHECK(h != 0);
    CHECK(skb.ctx()->uapi.hash == h); // stored, as __skb_get_hash does
    CHECK(skb.hash_valid());

    // Both directions of the flow hash alike; another flow hashes differently.
    SkbPacket back = loaded_skb(udp4_frame(0, 18, true));
    SkbPacket other = loaded_skb(udp4_frame(0, 18));
    other.bytes()[14 + 20] = 0x55; // another source port
    {
        RunScope r2(ProgramType::SchedCls, back.ctx());
        CHECK(uint32_t(call(BPF_FUNC_get_hash_recalc, back.ctx_address())) == h);
    }
    {
        RunScope r3(ProgramType::SchedCls, other.ctx());
        CHECK(uint32_t(call(BPF_FUNC_get_hash_recalc, other.ctx_address())) != h);
    }
}

TEST_CASE("set_hash, set_hash_invalid and a supplied hash", "[helpers][net]") {
    runtime::SkbMetadata meta;
    meta.hash = 0xabcd;
    SkbPacket skb = loaded_skb(udp4_frame(), meta);
    RunScope run(ProgramType::SchedCls, skb.ctx());
    CHECK(call(BPF_FUNC_get_hash_recalc, skb.ctx_address()) == 0xabcd);
    CHECK(call(BPF_FUNC_set_hash, skb.ctx_address(), 7) == 0);
    CHECK(call(BPF_FUNC_get_hash_recalc, skb.ctx_address()) == 7);
    CHECK(call(BPF_FUNC_set_hash_invalid, skb.ctx_address()) == 0);
    CHECK(skb.ctx()->uapi.hash == 0);
    const uint64_t recomputed = call(BPF_FUNC_get_hash_recalc, skb.ctx_address());
    CHECK(recomputed != 0);
    CHECK(recomputed != 7);
    // A hash marked invalid by the embedder (an L3 hash from the NIC) is recomputed.
    meta.hash_valid = false;
    REQUIRE(skb.load(udp4_frame(), meta));
    CHECK(call(BPF_FUNC_get_hash_recalc, skb.ctx_address()) == recomputed);
}

TEST_CASE("skb_change_type allows PACKET_HOST..PACKET_OTHERHOST only", "[helpers][net]") {
    SkbPacket skb = loaded_skb(udp4_frame());
    RunScope run(ProgramType::SchedCls, skb.ctx());
    CHECK(call(BPF_FUNC_skb_change_type, skb.ctx_address(), PACKET_OTHERHOST) == 0);
    CHECK(skb.ctx()->uapi.pkt_type == PACKET_OTHERHOST);
    CHECK(as_long(call(BPF_FUNC_skb_change_type, skb.ctx_address(), PACKET_OUTGOING)) == -EINVAL);
    runtime::SkbMetadata meta;
    meta.pkt_type = PACKET_OUTGOING;
    REQUIRE(skb.load(udp4_frame(), meta));
    CHECK(as_long(call(BPF_FUNC_skb_change_type, skb.ctx_address(), PACKET_HOST)) == -EINVAL);
    CHECK(skb.ctx()->uapi.pkt_type == PACKET_OUTGOING);
}

TEST_CASE("socket, cgroup, classid and realm answers: 0 without a socket or route", "[helpers][net]") {
    SkbPacket skb = loaded_skb(udp4_frame());
    RunScope run(ProgramType::SchedCls, skb.ctx());
    for (int id : {BPF_FUNC_get_socket_cookie, BPF_FUNC_skb_cgroup_id, BPF_FUNC_get_cgroup_classid,
                   BPF_FUNC_get_route_realm})
        CHECK(call(id, skb.ctx_address()) == 0);
    runtime::SkbMetadata meta;
    meta.socket = runtime::SkbSocket{0x1122334455ULL, 0x77, 0x10001};
    meta.route_realm = 9;
    REQUIRE(skb.load(udp4_frame(), meta));
    CHECK(call(BPF_FUNC_get_socket_cookie, skb.ctx_address()) == 0x1122334455ULL);
    CHECK(call(BPF_FUNC_skb_cgroup_id, skb.ctx_address()) == 0x77);
    CHECK(call(BPF_FUNC_get_cgroup_classid, skb.ctx_address()) == 0x10001);
    CHECK(call(BPF_FUNC_get_route_realm, skb.ctx_address()) == 9);
}

TEST_CASE("get_netns_cookie: init_net's 1 without a network, else the network's", "[helpers][net]") {
    SkbPacket skb = loaded_skb(udp4_frame());
    RunScope run(ProgramType::SchedCls, skb.ctx());
    CHECK(call(BPF_FUNC_get_netns_cookie, skb.ctx_address()) == 1);
    auto net = sample_network();
    net->set_netns_cookie(4242);
    run.state().network = net.get();
    CHECK(call(BPF_FUNC_get_netns_cookie, skb.ctx_address()) == 4242);
}

TEST_CASE("csum_level walks CHECKSUM_UNNECESSARY levels as the kernel does", "[helpers][net]") {
    SkbPacket skb = loaded_skb(udp4_frame());
    RunScope run(ProgramType::SchedCls, skb.ctx());
    const uint64_t ctx = skb.ctx_address();
    CHECK(as_long(call(BPF_FUNC_csum_level, ctx, BPF_CSUM_LEVEL_QUERY)) == -EACCES);
    CHECK(call(BPF_FUNC_csum_level, ctx, BPF_CSUM_LEVEL_DEC) == 0); // NONE stays NONE
    CHECK(as_long(call(BPF_FUNC_csum_level, ctx, BPF_CSUM_LEVEL_QUERY)) == -EACCES);
    CHECK(call(BPF_FUNC_csum_level, ctx, BPF_CSUM_LEVEL_INC) == 0); // NONE -> UNNECESSARY, 0
    CHECK(call(BPF_FUNC_csum_level, ctx, BPF_CSUM_LEVEL_QUERY) == 0);
    for (int i = 0; i < 5; ++i) call(BPF_FUNC_csum_level, ctx, BPF_CSUM_LEVEL_INC);
    CHECK(call(BPF_FUNC_csum_level, ctx, BPF_CSUM_LEVEL_QUERY) == 3); // SKB_MAX_CSUM_LEVEL
    CHECK(call(BPF_FUNC_csum_level, ctx, BPF_CSUM_LEVEL_DEC) == 0);
    CHECK(call(BPF_FUNC_csum_level, ctx, BPF_CSUM_LEVEL_QUERY) == 2);
    CHECK(call(BPF_FUNC_csum_level, ctx, BPF_CSUM_LEVEL_RESET) == 0);
    CHECK(as_long(call(BPF_FUNC_csum_level, ctx, BPF_CSUM_LEVEL_QUERY)) == -EACCES);
    CHECK(as_long(call(BPF_FUNC_csum_level, ctx, 9)) == -EINVAL);
    // COMPLETE is left alone by INC.
    skb.set_checksum_complete(0x1234);
    CHECK(call(BPF_FUNC_csum_level, ctx, BPF_CSUM_LEVEL_INC) == 0);
    CHECK(skb.checksum_state() == runtime::ChecksumState::Complete);
}

TEST_CASE("skb_ecn_set_ce marks ECN-capable IPv4 and IPv6 only", "[helpers][net]") {
    for (uint8_t ecn : {0, 1, 2, 3}) {
        SkbPacket skb = loaded_skb(udp4_frame(uint8_t(0xb8 | ecn)));
        RunScope run(ProgramType::SchedCls, skb.ctx());
        const uint64_t r = call(BPF_FUNC_skb_ecn_set_ce, skb.ctx_address());
        CHECK(r == (ecn == 0 ? 0u : 1u));
        CHECK((skb.bytes()[15] & 3) == (ecn == 0 ? 0 : 3));
        CHECK((skb.bytes()[15] & 0xfc) == 0xb8);
        CHECK(ipv4_header_ok(skb.bytes().data() + 14));
    }
    for (uint8_t ecn : {0, 2}) {
        SkbPacket skb = loaded_skb(ipv6_frame(uint8_t(0x20 | ecn)));
        RunScope run(ProgramType::SchedCls, skb.ctx());
        CHECK(call(BPF_FUNC_skb_ecn_set_ce, skb.ctx_address()) == (ecn ? 1u : 0u));
        const uint8_t tclass = uint8_t((skb.bytes()[14] & 0xf) << 4 | skb.bytes()[15] >> 4);
        CHECK(tclass == (ecn ? 0x23 : 0x20));
    }
    std::vector<uint8_t> arp = udp4_frame(2);
    arp[12] = 0x08, arp[13] = 0x06;
    SkbPacket skb = loaded_skb(arp);
    RunScope run(ProgramType::SchedCls, skb.ctx());
    CHECK(call(BPF_FUNC_skb_ecn_set_ce, skb.ctx_address()) == 0);
    // Header outside the linear area: 0, untouched.
    runtime::SkbMetadata meta;
    meta.linear_length = 20;
    REQUIRE(skb.load(udp4_frame(2), meta));
    CHECK(call(BPF_FUNC_skb_ecn_set_ce, skb.ctx_address()) == 0);
    CHECK((skb.bytes()[15] & 3) == 2);
}

TEST_CASE("skb_load_bytes_relative reads from the MAC or network header in the linear area", "[helpers][net]") {
    runtime::SkbMetadata meta;
    meta.linear_length = 40;
    SkbPacket skb = loaded_skb(udp4_frame(), meta);
    RunScope run(ProgramType::SchedCls, skb.ctx());
    uint8_t buf[4];
    CHECK(call(BPF_FUNC_skb_load_bytes_relative, skb.ctx_address(), 12, addr(buf), 2, BPF_HDR_START_MAC) == 0);
    CHECK(get16(buf) == 0x0800);
    CHECK(call(BPF_FUNC_skb_load_bytes_relative, skb.ctx_address(), 9, addr(buf), 1, BPF_HDR_START_NET) == 0);
    CHECK(buf[0] == 17);
    std::memset(buf, 0xee, sizeof buf);
    // Past the linear end (tail pointer), a bad start, an offset over 0xffff: -EFAULT, zeroed.
    CHECK(as_long(call(BPF_FUNC_skb_load_bytes_relative, skb.ctx_address(), 24, addr(buf), 4,
                       BPF_HDR_START_NET)) == -EFAULT);
    CHECK(buf[0] == 0);
    CHECK(as_long(call(BPF_FUNC_skb_load_bytes_relative, skb.ctx_address(), 0, addr(buf), 4, 2)) == -EFAULT);
    CHECK(as_long(call(BPF_FUNC_skb_load_bytes_relative, skb.ctx_address(), 0x10000, addr(buf), 1,
                       BPF_HDR_START_MAC)) == -EFAULT);
    CHECK(call(BPF_FUNC_skb_load_bytes_relative, skb.ctx_address(), 36, addr(buf), 4, BPF_HDR_START_MAC) == 0);
}

TEST_CASE("network helpers' program types and packet-data flags in the table", "[helpers][net]") {
    const auto& table = helpers::HelperTable::builtin();
    const ProgramTypeMask tc = mask_of(ProgramType::SchedCls), xdp = mask_of(ProgramType::Xdp);
    for (int id : {BPF_FUNC_skb_change_head, BPF_FUNC_skb_change_tail, BPF_FUNC_skb_adjust_room,
                   BPF_FUNC_skb_change_proto, BPF_FUNC_skb_vlan_push, BPF_FUNC_skb_vlan_pop}) {
        const helpers::Helper* h = table.find(id);
        REQUIRE(h);
        CHECK(h->changes_packet_data);
        CHECK(h->allowed == tc);
    }
    for (int id : {BPF_FUNC_fib_lookup, BPF_FUNC_check_mtu}) CHECK(table.find(id)->allowed == (tc | xdp));
    // bpf_helper_changes_pkt_data lists clone_redirect too (it may reallocate the head).
    CHECK(table.find(BPF_FUNC_clone_redirect)->changes_packet_data);
    for (int id : {BPF_FUNC_get_hash_recalc, BPF_FUNC_skb_set_tunnel_key, BPF_FUNC_redirect_neigh,
                   BPF_FUNC_redirect_peer, BPF_FUNC_skb_ecn_set_ce, BPF_FUNC_csum_level}) {
        REQUIRE(table.find(id));
        CHECK(table.find(id)->allowed == tc);
        CHECK_FALSE(table.find(id)->changes_packet_data);
    }
    CHECK(table.find(BPF_FUNC_skb_load_bytes_relative)->allowed == (tc | mask_of(ProgramType::SocketFilter)));
    CHECK(table.find(BPF_FUNC_check_mtu)->proto.args[2] == helpers::ArgType::PtrToInt);
}
