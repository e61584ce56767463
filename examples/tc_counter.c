// SPDX-License-Identifier: GPL-2.0
// tc_counter: a tc (sched_cls) classifier that counts packets and bytes per
// (ethertype, IP protocol) with bpf_skb_load_bytes, and always lets the packet through.
//
//   skb ─► bpf_skb_load_bytes(12, ethertype) ─► [802.1Q: skip 4 bytes]
//       ─► IPv4: protocol at +9 · IPv6: next header at +6 ─► proto_stats[(ethertype, proto)]
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifndef ETH_P_8021Q
#define ETH_P_8021Q 0x8100
#endif

struct proto_key {
    __u16 ethertype; /* host order; 0 when the frame is too short to have one */
    __u8 ip_proto;   /* 0 for non-IP frames */
    __u8 pad;
};

struct proto_counter {
    __u64 packets;
    __u64 bytes;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 512);
    __type(key, struct proto_key);
    __type(value, struct proto_counter);
} proto_stats SEC(".maps");

SEC("tc")
int tc_counter(struct __sk_buff *skb)
{
    struct proto_key key = {};
    struct proto_counter *counter;
    __u32 l3_off = ETH_HLEN;
    __be16 ethertype;
    __u8 ip_proto;

    if (bpf_skb_load_bytes(skb, 12, &ethertype, sizeof(ethertype)) == 0) {
        if (ethertype == bpf_htons(ETH_P_8021Q) &&
            bpf_skb_load_bytes(skb, 16, &ethertype, sizeof(ethertype)) == 0)
            l3_off += 4;
        key.ethertype = bpf_ntohs(ethertype);
        if (key.ethertype == ETH_P_IP &&
            bpf_skb_load_bytes(skb, l3_off + 9, &ip_proto, 1) == 0)
            key.ip_proto = ip_proto;
        else if (key.ethertype == ETH_P_IPV6 &&
                 bpf_skb_load_bytes(skb, l3_off + 6, &ip_proto, 1) == 0)
            key.ip_proto = ip_proto;
    }

    counter = bpf_map_lookup_elem(&proto_stats, &key);
    if (!counter) {
        struct proto_counter first = {};
        // Two threads may race to create the entry: NOEXIST lets exactly one win,
        // the other falls through to the atomic add below.
        bpf_map_update_elem(&proto_stats, &key, &first, BPF_NOEXIST);
        counter = bpf_map_lookup_elem(&proto_stats, &key);
        if (!counter)
            return TC_ACT_OK;
    }
    __sync_fetch_and_add(&counter->packets, 1);
    __sync_fetch_and_add(&counter->bytes, skb->len);
    return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
