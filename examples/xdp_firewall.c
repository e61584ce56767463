// SPDX-License-Identifier: GPL-2.0
// xdp_firewall: drop by source-prefix blocklist (IPv4 and IPv6 LPM tries) and by destination
// port (TCP/UDP hash), count every decision per rule in a per-CPU array.
//
//   eth ─► [802.1Q] ─► IPv4 (IHL) ─► TCP/UDP dport ─► blocked_ports
//                  └─► IPv6 (fixed header; next header must be TCP/UDP to check ports)
//   source address ─► blocked_v4 / blocked_v6 (longest prefix wins)
//
// The maps start empty: the embedder fills them (the CLI: `--map-init xdp_firewall.maps.json`,
// bpftool's map dump shape). Each map value is the rule's slot in `rule_stats`.
// Slot 0 counts passed frames, slot 1 dropped malformed frames, rule slots are 2..MAX_RULES-1.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define MAX_RULES 64
#define STAT_PASS 0
#define STAT_MALFORMED 1

#ifndef ETH_P_8021Q
#define ETH_P_8021Q 0x8100
#endif

struct vlan_hdr {
    __be16 tci;
    __be16 encapsulated_proto;
};

struct lpm_v4_key {
    __u32 prefixlen;
    __u8 addr[4];
};

struct lpm_v6_key {
    __u32 prefixlen;
    __u8 addr[16];
};

// Port rules: the key is (IP protocol, destination port in host order).
struct port_key {
    __u16 port;
    __u8 proto;
    __u8 pad;
};

struct rule_counter {
    __u64 packets;
    __u64 bytes;
};

struct {
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __uint(max_entries, 1024);
    __type(key, struct lpm_v4_key);
    __type(value, __u32);
    __uint(map_flags, BPF_F_NO_PREALLOC);
} blocked_v4 SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __uint(max_entries, 1024);
    __type(key, struct lpm_v6_key);
    __type(value, __u32);
    __uint(map_flags, BPF_F_NO_PREALLOC);
} blocked_v6 SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 256);
    __type(key, struct port_key);
    __type(value, __u32);
} blocked_ports SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, MAX_RULES);
    __type(key, __u32);
    __type(value, struct rule_counter);
} rule_stats SEC(".maps");

static __always_inline int count(__u32 slot, __u64 bytes, int verdict)
{
    struct rule_counter *c;

    if (slot >= MAX_RULES)
        slot = STAT_MALFORMED;
    c = bpf_map_lookup_elem(&rule_stats, &slot);
    if (c) {
        // Per-CPU slot: no other thread writes it, plain adds are exact.
        c->packets += 1;
        c->bytes += bytes;
    }
    return verdict;
}

// Returns the rule slot blocking this L4 destination port, or 0 when none.
static __always_inline __u32 port_rule(void *l4, void *data_end, __u8 proto)
{
    struct port_key key = { .proto = proto };
    __u32 *rule;

    if (proto == IPPROTO_TCP) {
        struct tcphdr *tcp = l4;
        if ((void *)(tcp + 1) > data_end)
            return STAT_MALFORMED;
        key.port = bpf_ntohs(tcp->dest);
    } else if (proto == IPPROTO_UDP) {
        struct udphdr *udp = l4;
        if ((void *)(udp + 1) > data_end)
            return STAT_MALFORMED;
        key.port = bpf_ntohs(udp->dest);
    } else {
        return 0;
    }
    rule = bpf_map_lookup_elem(&blocked_ports, &key);
    return rule ? *rule : 0;
}

SEC("xdp")
int xdp_firewall(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    __u64 bytes = data_end - data;
    struct ethhdr *eth = data;
    void *l3;
    __u16 proto;
    __u32 *rule;
    __u32 slot;

    if ((void *)(eth + 1) > data_end)
        return count(STAT_MALFORMED, bytes, XDP_DROP);
    proto = eth->h_proto;
    l3 = eth + 1;
    if (proto == bpf_htons(ETH_P_8021Q)) {
        struct vlan_hdr *vlan = l3;
        if ((void *)(vlan + 1) > data_end)
            return count(STAT_MALFORMED, bytes, XDP_DROP);
        proto = vlan->encapsulated_proto;
        l3 = vlan + 1;
    }

    if (proto == bpf_htons(ETH_P_IP)) {
        struct iphdr *ip = l3;
        struct lpm_v4_key key = { .prefixlen = 32 };
        __u32 ihl_bytes;

        if ((void *)(ip + 1) > data_end)
            return count(STAT_MALFORMED, bytes, XDP_DROP);
        ihl_bytes = ip->ihl * 4;
        if (ihl_bytes < sizeof(*ip) || l3 + ihl_bytes > data_end)
            return count(STAT_MALFORMED, bytes, XDP_DROP);
        __builtin_memcpy(key.addr, &ip->saddr, 4);
        rule = bpf_map_lookup_elem(&blocked_v4, &key);
        if (rule)
            return count(*rule, bytes, XDP_DROP);
        // Only the first fragment carries the L4 header.
        if (ip->frag_off & bpf_htons(0x1fff))
            return count(STAT_PASS, bytes, XDP_PASS);
        slot = port_rule(l3 + ihl_bytes, data_end, ip->protocol);
    } else if (proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6 = l3;
        struct lpm_v6_key key = { .prefixlen = 128 };

        if ((void *)(ip6 + 1) > data_end)
            return count(STAT_MALFORMED, bytes, XDP_DROP);
        __builtin_memcpy(key.addr, &ip6->saddr, 16);
        rule = bpf_map_lookup_elem(&blocked_v6, &key);
        if (rule)
            return count(*rule, bytes, XDP_DROP);
        slot = port_rule(ip6 + 1, data_end, ip6->nexthdr);
    } else {
        // ARP and anything else that is not IP: not ours to filter.
        return count(STAT_PASS, bytes, XDP_PASS);
    }

    if (slot)
        return count(slot, bytes, XDP_DROP);
    return count(STAT_PASS, bytes, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
