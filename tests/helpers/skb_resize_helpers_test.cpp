// change_head, change_tail, adjust_room, change_proto and vlan push/pop against
// filter.c's documented results: bytes, lengths, skb->protocol, limits and errors.
#include <linux/bpf.h>

#include <cerrno>
#include <vector>

#include "helper_test_support.hpp"
#include "helpers/checksum.hpp"
#include "net_test_support.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;
using runtime::SkbPacket;

namespace {

constexpr int64_t kENOTSUPP = -524;

std::vector<uint8_t> bytes_of(SkbPacket& skb) { return {skb.bytes().begin(), skb.bytes().end()}; }

} // namespace

TEST_CASE("skb_change_head pushes zeroed bytes in front", "[helpers][net]") {
    const auto frame = udp4_frame();
    SkbPacket skb = loaded_skb(frame);
    RunScope run(ProgramType::SchedCls, skb.ctx());
    CHECK(call(BPF_FUNC_skb_change_head, skb.ctx_address(), 14, 0) == 0);
    const auto now = bytes_of(skb);
    REQUIRE(now.size() == frame.size() + 14);
    CHECK(skb.ctx()->uapi.len == now.size());
    CHECK(std::vector<uint8_t>(now.begin(), now.begin() + 14) == std::vector<uint8_t>(14, 0));
    CHECK(std::vector<uint8_t>(now.begin() + 14, now.end()) == frame);
    CHECK(skb.mac_header_length() == 28); // the network header did not move
    CHECK(skb.linear_length() == now.size());
    CHECK(as_long(call(BPF_FUNC_skb_change_head, skb.ctx_address(), 4, 1)) == -EINVAL);
    CHECK(as_long(call(BPF_FUNC_skb_change_head, skb.ctx_address(), 16064, 0)) == -EINVAL); // > BPF_SKB_MAX_LEN
    CHECK(as_long(call(BPF_FUNC_skb_change_head, skb.ctx_address(), 0xffffffffu, 0)) == -EINVAL);
    // More headroom than the buffer has: the packet moves back while the capacity allows.
    CHECK(call(BPF_FUNC_skb_change_head, skb.ctx_address(), 600, 0) == 0);
    CHECK(std::vector<uint8_t>(skb.bytes().begin() + 614, skb.bytes().end()) == frame);
    CHECK(as_long(call(BPF_FUNC_skb_change_head, skb.ctx_address(), 4000, 0)) == -ENOMEM);
}

TEST_CASE("skb_change_tail grows with zeros, trims, and keeps the kernel's bounds", "[helpers][net]") {
    const auto frame = udp4_frame();
    runtime::SkbMetadata meta;
    meta.linear_length = 20;
    SkbPacket skb = loaded_skb(frame, meta);
    RunScope run(ProgramType::SchedCls, skb.ctx());
    CHECK(call(BPF_FUNC_skb_change_tail, skb.ctx_address(), 100, 0) == 0);
    REQUIRE(skb.length() == 100);
    CHECK(skb.linear_length() == 100); // linearised
    CHECK(std::vector<uint8_t>(skb.bytes().begin(), skb.bytes().begin() + frame.size()) == frame);
    CHECK(std::vector<uint8_t>(skb.bytes().begin() + frame.size(), skb.bytes().end()) ==
          std::vector<uint8_t>(100 - frame.size(), 0));
    CHECK(call(BPF_FUNC_skb_change_tail, skb.ctx_address(), 20, 0) == 0);
    CHECK(skb.ctx()->uapi.len == 20);
    CHECK(as_long(call(BPF_FUNC_skb_change_tail, skb.ctx_address(), 13, 0)) == -EINVAL); // < network offset
    CHECK(as_long(call(BPF_FUNC_skb_change_tail, skb.ctx_address(), 60, 2)) == -EINVAL);
    CHECK(as_long(call(BPF_FUNC_skb_change_tail, skb.ctx_address(), 16065, 0)) == -EINVAL);
    CHECK(as_long(call(BPF_FUNC_skb_change_tail, skb.ctx_address(), 16000, 0)) == -ENOMEM); // capacity 4096
    SkbPacket big = loaded_skb(frame, {}, 16384 + 256);
    RunScope run2(ProgramType::SchedCls, big.ctx());
    CHECK(call(BPF_FUNC_skb_change_tail, big.ctx_address(), 16064, 0) == 0);
}

TEST_CASE("skb_adjust_room at the network and MAC layers", "[helpers][net]") {
    const auto frame = udp4_frame();
    SkbPacket skb = loaded_skb(frame);
    RunScope run(ProgramType::SchedCls, skb.ctx());
    const uint64_t ctx = skb.ctx_address();

    CHECK(call(BPF_FUNC_skb_adjust_room, ctx, 8, BPF_ADJ_ROOM_NET, 0) == 0);
    auto now = bytes_of(skb);
    REQUIRE(now.size() == frame.size() + 8);
    CHECK(std::equal(frame.begin(), frame.begin() + 34, now.begin()));          // MAC + IPv4 header
    CHECK(std::vector<uint8_t>(now.begin() + 34, now.begin() + 42) == std::vector<uint8_t>(8, 0));
    CHECK(std::equal(frame.begin() + 34, frame.end(), now.begin() + 42));
    CHECK(call(BPF_FUNC_skb_adjust_room, ctx, uint64_t(-8), BPF_ADJ_ROOM_NET, 0) == 0);
    CHECK(bytes_of(skb) == frame);

    CHECK(call(BPF_FUNC_skb_adjust_room, ctx, 4, BPF_ADJ_ROOM_MAC, 0) == 0);
    now = bytes_of(skb);
    CHECK(std::vector<uint8_t>(now.begin() + 14, now.begin() + 18) == std::vector<uint8_t>(4, 0));
    CHECK(std::equal(frame.begin() + 14, frame.end(), now.begin() + 18));
    CHECK(call(BPF_FUNC_skb_adjust_room, ctx, uint64_t(-4), BPF_ADJ_ROOM_MAC, 0) == 0);
    CHECK(bytes_of(skb) == frame);

    CHECK(as_long(call(BPF_FUNC_skb_adjust_room, ctx, 8, BPF_ADJ_ROOM_NET, 1ULL << 7)) == -EINVAL);
    CHECK(as_long(call(BPF_FUNC_skb_adjust_room, ctx, 0x1000, BPF_ADJ_ROOM_NET, 0)) == -EFAULT);
    CHECK(as_long(call(BPF_FUNC_skb_adjust_room, ctx, 8, 2, 0)) == kENOTSUPP);
    // Shrinking below an IPv4 header's worth after the network offset.
    CHECK(as_long(call(BPF_FUNC_skb_adjust_room, ctx, uint64_t(-30), BPF_ADJ_ROOM_MAC, 0)) == kENOTSUPP);
    CHECK(as_long(call(BPF_FUNC_skb_adjust_room, ctx, uint64_t(-8), BPF_ADJ_ROOM_NET,
                       BPF_F_ADJ_ROOM_ENCAP_L3_IPV4)) == -EINVAL);
    CHECK(as_long(call(BPF_FUNC_skb_adjust_room, ctx, 40, BPF_ADJ_ROOM_MAC,
                       BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L3_IPV6)) == -EINVAL);
    CHECK(as_long(call(BPF_FUNC_skb_adjust_room, ctx, 40, BPF_ADJ_ROOM_MAC,
                       BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L4_GRE | BPF_F_ADJ_ROOM_ENCAP_L4_UDP)) ==
          -EINVAL);
    CHECK(as_long(call(BPF_FUNC_skb_adjust_room, ctx, 8, BPF_ADJ_ROOM_MAC,
                       BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L2_ETH | BPF_F_ADJ_ROOM_ENCAP_L2(8))) ==
          -EINVAL); // inner MAC shorter than ETH_HLEN
    CHECK(as_long(call(BPF_FUNC_skb_adjust_room, ctx, 8, BPF_ADJ_ROOM_MAC,
                       BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L2(14))) == -EINVAL); // > len_diff
    CHECK(bytes_of(skb) == frame);

    // IPv6-in-IPv4 encap: skb->protocol follows the outer header; a second encap is refused.
    skb.set_checksum_unnecessary(1);
    CHECK(call(BPF_FUNC_skb_adjust_room, ctx, 40, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_ENCAP_L3_IPV6) == 0);
    CHECK(skb.protocol() == htons(ETH_P_IPV6));
    CHECK(skb.encapsulation());
    CHECK(skb.checksum_state() == runtime::ChecksumState::None); // reset without NO_CSUM_RESET
    CHECK(as_long(call(BPF_FUNC_skb_adjust_room, ctx, 40, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_ENCAP_L3_IPV6)) ==
          -EALREADY);
    CHECK(as_long(call(BPF_FUNC_skb_change_tail, ctx, 200, 0)) == kENOTSUPP); // encapsulated
    skb.set_checksum_unnecessary(1);
    CHECK(call(BPF_FUNC_skb_adjust_room, ctx, uint64_t(-40), BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_NO_CSUM_RESET) == 0);
    CHECK(skb.checksum_state() == runtime::ChecksumState::Unnecessary);

    std::vector<uint8_t> arp = frame;
    arp[13] = 0x06;
    REQUIRE(skb.load(arp));
    CHECK(as_long(call(BPF_FUNC_skb_adjust_room, ctx, 8, BPF_ADJ_ROOM_NET, 0)) == kENOTSUPP);
}

TEST_CASE("skb_change_proto makes room for IPv6 and gives it back", "[helpers][net]") {
    const auto frame = udp4_frame();
    runtime::SkbMetadata meta;
    meta.hash = 99;
    SkbPacket skb = loaded_skb(frame, meta);
    RunScope run(ProgramType::SchedCls, skb.ctx());
    const uint64_t ctx = skb.ctx_address();
    CHECK(call(BPF_FUNC_skb_change_proto, ctx, htons(ETH_P_IPV6), 0) == 0);
    auto now = bytes_of(skb);
    REQUIRE(now.size() == frame.size() + 20);
    CHECK(std::vector<uint8_t>(now.begin() + 14, now.begin() + 34) == std::vector<uint8_t>(20, 0));
    CHECK(std::equal(frame.begin() + 14, frame.end(), now.begin() + 34));
    CHECK(skb.protocol() == htons(ETH_P_IPV6));
    CHECK(skb.ctx()->uapi.hash == 0); // skb_clear_hash
    CHECK(as_long(call(BPF_FUNC_skb_change_proto, ctx, htons(ETH_P_IPV6), 0)) == kENOTSUPP);
    CHECK(as_long(call(BPF_FUNC_skb_change_proto, ctx, htons(ETH_P_IP), 1)) == -EINVAL);
    CHECK(call(BPF_FUNC_skb_change_proto, ctx, htons(ETH_P_IP), 0) == 0);
    CHECK(bytes_of(skb) == frame);
    CHECK(skb.protocol() == htons(ETH_P_IP));
    CHECK(as_long(call(BPF_FUNC_skb_change_proto, ctx, htons(ETH_P_ARP), 0)) == kENOTSUPP);
}

TEST_CASE("skb_vlan_push offloads the new tag and moves an offloaded one into the packet", "[helpers][net]") {
    const auto frame = udp4_frame();
    SkbPacket skb = loaded_skb(frame);
    RunScope run(ProgramType::SchedCls, skb.ctx());
    const uint64_t ctx = skb.ctx_address();
    CHECK(call(BPF_FUNC_skb_vlan_push, ctx, htons(ETH_P_8021Q), 100) == 0);
    CHECK(bytes_of(skb) == frame);
    CHECK(skb.ctx()->uapi.vlan_present == 1);
    CHECK(skb.ctx()->uapi.vlan_tci == 100);
    CHECK(skb.ctx()->uapi.vlan_proto == htons(ETH_P_8021Q));

    // A second push: tag 100 goes into the packet, 200 (802.1ad) is offloaded.
    CHECK(call(BPF_FUNC_skb_vlan_push, ctx, htons(ETH_P_8021AD), 200) == 0);
    auto now = bytes_of(skb);
    REQUIRE(now.size() == frame.size() + 4);
    CHECK(std::equal(frame.begin(), frame.begin() + 12, now.begin()));
    CHECK(get16(&now[12]) == ETH_P_8021Q);
    CHECK(get16(&now[14]) == 100);
    CHECK(std::equal(frame.begin() + 12, frame.end(), now.begin() + 16));
    CHECK(skb.protocol() == htons(ETH_P_8021Q));
    CHECK(skb.ctx()->uapi.vlan_tci == 200);
    CHECK(skb.ctx()->uapi.vlan_proto == htons(ETH_P_8021AD));

    // Pop: the offloaded 200 goes, and 100 moves from the packet to the offload.
    CHECK(call(BPF_FUNC_skb_vlan_pop, ctx) == 0);
    CHECK(bytes_of(skb) == frame);
    CHECK(skb.protocol() == htons(ETH_P_IP));
    CHECK(skb.ctx()->uapi.vlan_present == 1);
    CHECK(skb.ctx()->uapi.vlan_tci == 100);
    CHECK(call(BPF_FUNC_skb_vlan_pop, ctx) == 0);
    CHECK(skb.ctx()->uapi.vlan_present == 0);
    CHECK(call(BPF_FUNC_skb_vlan_pop, ctx) == 0); // nothing to pop
    CHECK(bytes_of(skb) == frame);

    // An unknown TPID is taken as 802.1Q, as the kernel does.
    CHECK(call(BPF_FUNC_skb_vlan_push, ctx, htons(0x1234), 5) == 0);
    CHECK(skb.ctx()->uapi.vlan_proto == htons(ETH_P_8021Q));
}

TEST_CASE("skb_vlan_pop removes a tag carried in the packet", "[helpers][net]") {
    auto frame = udp4_frame();
    std::vector<uint8_t> tagged(frame.begin(), frame.begin() + 12);
    const uint8_t tag[4] = {0x81, 0x00, 0x00, 0x2a};
    tagged.insert(tagged.end(), tag, tag + 4);
    tagged.insert(tagged.end(), frame.begin() + 12, frame.end());
    runtime::SkbMetadata meta;
    meta.mac_header_length = 18;
    SkbPacket skb = loaded_skb(tagged, meta);
    REQUIRE(skb.protocol() == htons(ETH_P_8021Q));
    RunScope run(ProgramType::SchedCls, skb.ctx());
    skb.set_checksum_complete(0);
    CHECK(call(BPF_FUNC_skb_vlan_pop, skb.ctx_address()) == 0);
    CHECK(bytes_of(skb) == frame);
    CHECK(skb.protocol() == htons(ETH_P_IP));
    CHECK(skb.mac_header_length() == 14);
    CHECK(skb.ctx()->uapi.vlan_present == 0);
    // skb_postpull_rcsum: the tag's bytes left skb->csum (adding them back gives zero).
    CHECK(skb.csum() != 0);
    const uint16_t back = helpers::csum::fold(helpers::csum::add(skb.csum(), helpers::csum::partial(tag, 4, 0)));
    CHECK((back == 0 || back == 0xffff));
    std::vector<uint8_t> runt(tagged.begin(), tagged.begin() + 17);
    REQUIRE(skb.load(runt));
    CHECK(as_long(call(BPF_FUNC_skb_vlan_pop, skb.ctx_address())) == -ENOMEM);
}
