// tc helpers that grow, shrink or re-layer the packet (net/core/filter.c): change_head,
// change_tail, adjust_room, change_proto, vlan_push / vlan_pop. All are
// changes_packet_data in the table: the verifier forgets packet pointers across them.
// Limits are the kernel's (BPF_SKB_MAX_LEN, 0xfff for adjust_room, the minimum lengths);
// beyond them the SkbPacket's capacity is the only bound (-ENOMEM, the kernel's answer
// when it cannot allocate).
#include <linux/bpf.h>
#include <linux/if_ether.h>

#include <arpa/inet.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "helpers/checksum.hpp"
#include "helpers/helper_families.hpp"
#include "helpers/helper_table.hpp"
#include "helpers/packet_ctx.hpp"
#include "ebpfjit/skb_packet.hpp"

namespace ebpfjit::helpers {
namespace {

using runtime::ChecksumState;
using runtime::SkbPacket;

constexpr int kENOTSUPP = 524;
// BPF_SKB_MAX_LEN = SKB_MAX_ALLOC: four pages less the shared info (64-bit, 4 KiB pages).
constexpr uint32_t kSkbMaxLen = 16384 - 320;
constexpr uint32_t kVlanHeaderLen = 4;
constexpr uint64_t kAdjRoomEncapL3 = BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L3_IPV6;
constexpr uint64_t kAdjRoomMask = BPF_F_ADJ_ROOM_FIXED_GSO | kAdjRoomEncapL3 | BPF_F_ADJ_ROOM_ENCAP_L4_GRE |
                                  BPF_F_ADJ_ROOM_ENCAP_L4_UDP | BPF_F_ADJ_ROOM_ENCAP_L2_ETH |
                                  (uint64_t(BPF_ADJ_ROOM_ENCAP_L2_MASK) << BPF_ADJ_ROOM_ENCAP_L2_SHIFT);

uint64_t result(int r) { return uint64_t(int64_t(r)); }

bool is_vlan(uint16_t be_proto) { return be_proto == htons(ETH_P_8021Q) || be_proto == htons(ETH_P_8021AD); }

void reset_checksum_unnecessary(SkbPacket& skb) {
    if (skb.checksum_state() == ChecksumState::Unnecessary) skb.set_checksum_none();
}

// skb_postpull_rcsum: bytes leaving the packet leave skb->csum.
void postpull_rcsum(SkbPacket& skb, uint32_t off, uint32_t len) {
    if (skb.checksum_state() == ChecksumState::Complete)
        skb.set_csum(csum::block_sub(skb.csum(), csum::partial(skb.bytes().data() + off, len, 0), 0));
}

// bpf_skb_generic_push: `len` zero bytes at `off`; the first `off` bytes move to the front.
int generic_push(SkbPacket& skb, uint32_t off, uint32_t len) {
    if (off > skb.length()) return -EFAULT;
    if (int r = skb.push_head(len); r != 0) return r;
    uint8_t* d = skb.bytes().data();
    std::memmove(d, d + len, off);
    std::memset(d + off, 0, len);
    return 0;
}

// bpf_skb_generic_pop: removes [off, off + len); -ENOMEM if the packet is shorter.
int generic_pop(SkbPacket& skb, uint32_t off, uint32_t len) {
    if (uint64_t(off) + len > skb.length()) return -ENOMEM;
    postpull_rcsum(skb, off, len);
    uint8_t* d = skb.bytes().data();
    std::memmove(d + len, d, off);
    skb.pull_head(len);
    return 0;
}

uint64_t skb_change_head(uint64_t ctx, uint64_t head_room, uint64_t flags, uint64_t, uint64_t) {
    SkbPacket* skb = skb_of(ctx);
    if (!skb) return result(-EINVAL);
    const uint32_t room = uint32_t(head_room), new_len = skb->length() + room;
    if (flags || new_len > kSkbMaxLen || new_len < skb->length()) return result(-EINVAL);
    if (int r = skb->push_head(room); r != 0) return result(r);
    std::memset(skb->bytes().data(), 0, room);
    // skb_reset_mac_header + skb_reset_mac_len: the network header stays where it was.
    skb->set_mac_header_length(skb->mac_header_length() + room);
    return 0;
}

uint64_t skb_change_tail(uint64_t ctx, uint64_t len, uint64_t flags, uint64_t, uint64_t) {
    SkbPacket* skb = skb_of(ctx);
    if (!skb) return result(-EINVAL);
    const uint32_t new_len = uint32_t(len);
    // __bpf_skb_min_len: the network header offset (the transport header is not tracked).
    if (flags || new_len > kSkbMaxLen || new_len < skb->mac_header_length()) return result(-EINVAL);
    if (skb->encapsulation()) return result(-kENOTSUPP);
    if (new_len < skb->length()) postpull_rcsum(*skb, new_len, skb->length() - new_len);
    return result(skb->set_length(new_len));
}

uint32_t net_base_len(const SkbPacket& skb) {
    if (skb.protocol() == htons(ETH_P_IP)) return 20;    // sizeof(struct iphdr)
    if (skb.protocol() == htons(ETH_P_IPV6)) return 40;  // sizeof(struct ipv6hdr)
    return ~0u;
}

int net_grow(SkbPacket& skb, uint32_t off, uint32_t len_diff, uint64_t flags) {
    const uint32_t inner_mac_len = uint32_t(flags >> BPF_ADJ_ROOM_ENCAP_L2_SHIFT);
    const bool encap = flags & kAdjRoomEncapL3;
    if (encap) {
        if ((flags & kAdjRoomEncapL3) == kAdjRoomEncapL3) return -EINVAL;
        if ((flags & BPF_F_ADJ_ROOM_ENCAP_L4_GRE) && (flags & BPF_F_ADJ_ROOM_ENCAP_L4_UDP)) return -EINVAL;
        if ((flags & BPF_F_ADJ_ROOM_ENCAP_L2_ETH) && inner_mac_len < ETH_HLEN) return -EINVAL;
        if (skb.encapsulation()) return -EALREADY;
        if (inner_mac_len > len_diff) return -EINVAL;
    }
    if (int r = generic_push(skb, off, len_diff); r != 0) return r;
    if (encap) {
        skb.set_encapsulation(true);
        // Match skb->protocol to the new outer L3 protocol.
        if (skb.protocol() == htons(ETH_P_IP) && (flags & BPF_F_ADJ_ROOM_ENCAP_L3_IPV6))
            skb.set_protocol(htons(ETH_P_IPV6));
        else if (skb.protocol() == htons(ETH_P_IPV6) && (flags & BPF_F_ADJ_ROOM_ENCAP_L3_IPV4))
            skb.set_protocol(htons(ETH_P_IP));
    }
    return 0;
}

uint64_t skb_adjust_room(uint64_t ctx, uint64_t diff, uint64_t mode, uint64_t flags, uint64_t) {
    SkbPacket* skb = skb_of(ctx);
    if (!skb) return result(-EINVAL);
    const int32_t len_diff = int32_t(diff);
    const uint32_t abs_diff = uint32_t(std::abs(int64_t(len_diff)));
    const bool shrink = len_diff < 0;
    if (flags & ~(kAdjRoomMask | BPF_F_ADJ_ROOM_NO_CSUM_RESET)) return result(-EINVAL);
    if (abs_diff > 0xfff) return result(-EFAULT);
    const uint32_t len_min = net_base_len(*skb);
    if (len_min == ~0u) return result(-kENOTSUPP);
    uint32_t off = skb->mac_header_length();
    switch (uint32_t(mode)) {
    case BPF_ADJ_ROOM_NET: off += len_min; break;
    case BPF_ADJ_ROOM_MAC: break;
    default: return result(-kENOTSUPP);
    }
    const uint32_t len_cur = skb->length() > skb->mac_header_length() ? skb->length() - skb->mac_header_length() : 0;
    if ((shrink && (abs_diff >= len_cur || len_cur - abs_diff < len_min)) ||
        (!shrink && uint64_t(skb->length()) + abs_diff > kSkbMaxLen))
        return result(-kENOTSUPP);
    int r;
    if (shrink) {
        if (flags & ~uint64_t(BPF_F_ADJ_ROOM_FIXED_GSO | BPF_F_ADJ_ROOM_NO_CSUM_RESET)) return result(-EINVAL);
        r = generic_pop(*skb, off, abs_diff);
    } else {
        r = net_grow(*skb, off, abs_diff, flags);
    }
    if (r == 0 && !(flags & BPF_F_ADJ_ROOM_NO_CSUM_RESET)) reset_checksum_unnecessary(*skb);
    return result(r);
}

// bpf_skb_change_proto: IPv4 <-> IPv6 only; makes (or removes) the 20 bytes an IPv6
// header needs over an IPv4 one right after the MAC header; the program writes the header.
uint64_t skb_change_proto(uint64_t ctx, uint64_t proto, uint64_t flags, uint64_t, uint64_t) {
    SkbPacket* skb = skb_of(ctx);
    if (!skb) return result(-EINVAL);
    if (flags) return result(-EINVAL);
    constexpr uint32_t kDiff = 40 - 20;
    const uint16_t to = uint16_t(proto);
    int r;
    if (skb->protocol() == htons(ETH_P_IP) && to == htons(ETH_P_IPV6)) {
        r = generic_push(*skb, skb->mac_header_length(), kDiff);
    } else if (skb->protocol() == htons(ETH_P_IPV6) && to == htons(ETH_P_IP)) {
        r = generic_pop(*skb, skb->mac_header_length(), kDiff);
    } else {
        return result(-kENOTSUPP);
    }
    if (r != 0) return result(r);
    skb->set_protocol(to);
    skb->clear_hash();
    return 0;
}

// skb_vlan_push: a tag already offloaded moves into the packet (after the MAC
// addresses); the new one becomes the offloaded tag.
uint64_t skb_vlan_push(uint64_t ctx, uint64_t vlan_proto, uint64_t vlan_tci, uint64_t, uint64_t) {
    SkbPacket* skb = skb_of(ctx);
    if (!skb) return result(-EINVAL);
    uint16_t proto = uint16_t(vlan_proto);
    if (!is_vlan(proto)) proto = htons(ETH_P_8021Q); // the kernel substitutes 802.1Q
    if (skb->vlan_present()) {
        if (skb->length() < 2 * ETH_ALEN) return result(-ENOMEM);
        if (int r = skb->push_head(kVlanHeaderLen); r != 0) return result(r);
        uint8_t* d = skb->bytes().data();
        std::memmove(d, d + kVlanHeaderLen, 2 * ETH_ALEN);
        const uint16_t old_proto = skb->vlan_proto(), tci = htons(skb->vlan_tci());
        std::memcpy(d + 12, &old_proto, 2);
        std::memcpy(d + 14, &tci, 2);
        skb->set_protocol(old_proto);
        skb->set_mac_header_length(skb->mac_header_length() + kVlanHeaderLen);
        if (skb->checksum_state() == ChecksumState::Complete)
            skb->set_csum(csum::add(skb->csum(), csum::partial(d + 12, kVlanHeaderLen, 0)));
    }
    skb->set_vlan(proto, uint16_t(vlan_tci));
    return 0;
}

// __skb_vlan_pop: the tag after the MAC addresses leaves the packet; skb->protocol becomes
// the encapsulated type. *tci gets the tag's TCI.
int vlan_pop_from_data(SkbPacket& skb, uint16_t* tci) {
    if (skb.length() < ETH_HLEN + kVlanHeaderLen) return -ENOMEM; // skb_ensure_writable(VLAN_ETH_HLEN)
    uint8_t* d = skb.bytes().data();
    postpull_rcsum(skb, 2 * ETH_ALEN, kVlanHeaderLen);
    *tci = uint16_t(d[14] << 8 | d[15]);
    uint16_t inner;
    std::memcpy(&inner, d + 16, 2);
    std::memmove(d + kVlanHeaderLen, d, 2 * ETH_ALEN);
    skb.pull_head(kVlanHeaderLen);
    if (ntohs(inner) >= ETH_P_802_3_MIN) skb.set_protocol(inner);
    const uint32_t mac = skb.mac_header_length();
    skb.set_mac_header_length(mac >= ETH_HLEN + kVlanHeaderLen ? mac - kVlanHeaderLen : ETH_HLEN);
    return 0;
}

// skb_vlan_pop: drop the offloaded tag (or, without one, the first tag in the packet),
// then offload the next tag in the packet if there is one.
uint64_t skb_vlan_pop(uint64_t ctx, uint64_t, uint64_t, uint64_t, uint64_t) {
    SkbPacket* skb = skb_of(ctx);
    if (!skb) return result(-EINVAL);
    uint16_t tci = 0;
    if (skb->vlan_present()) {
        skb->clear_vlan();
    } else {
        if (!is_vlan(skb->protocol())) return 0;
        if (int r = vlan_pop_from_data(*skb, &tci); r != 0) return result(r);
    }
    if (!is_vlan(skb->protocol())) return 0;
    const uint16_t proto = skb->protocol();
    if (int r = vlan_pop_from_data(*skb, &tci); r != 0) return result(r);
    skb->set_vlan(proto, tci);
    return 0;
}

constexpr ProgramTypeMask kTc = mask_of(ProgramType::SchedCls);

} // namespace

void register_skb_resize_helpers(HelperTable& t) {
    using enum ArgType;
    const Prototype two{RetType::Integer, {PtrToCtx, Anything, Anything}};
    t.add({BPF_FUNC_skb_change_head, "skb_change_head", two, kTc, skb_change_head, true});
    t.add({BPF_FUNC_skb_change_tail, "skb_change_tail", two, kTc, skb_change_tail, true});
    t.add({BPF_FUNC_skb_change_proto, "skb_change_proto", two, kTc, skb_change_proto, true});
    t.add({BPF_FUNC_skb_adjust_room, "skb_adjust_room",
           Prototype{RetType::Integer, {PtrToCtx, Anything, Anything, Anything}}, kTc, skb_adjust_room, true});
    t.add({BPF_FUNC_skb_vlan_push, "skb_vlan_push", two, kTc, skb_vlan_push, true});
    t.add({BPF_FUNC_skb_vlan_pop, "skb_vlan_pop", Prototype{RetType::Integer, {PtrToCtx}}, kTc, skb_vlan_pop,
           true});
}

} // namespace ebpfjit::helpers
