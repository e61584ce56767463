// verdict: accept
// A production-sized XDP policy engine (thousands of instructions): Ethernet, up to two
// VLAN tags, IPv4 (with options) or IPv6 (with hop-by-hop / routing / destination
// extension headers), TCP or UDP; per-flow and per-port counters in hash and array maps,
// an ACL lookup per address family, and a 64-way switch on the destination port that
// picks a per-service action. Own code, written to exercise pruning on real shapes.
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct vlan_hdr {
    __be16 tci;
    __be16 proto;
};

struct flow_key {
    __u32 src[4];
    __u32 dst[4];
    __u16 sport;
    __u16 dport;
    __u8 proto;
    __u8 family;
    __u16 vlan;
};

struct flow_stats {
    __u64 packets;
    __u64 bytes;
    __u32 flags_seen;
    __u32 last_action;
};

struct acl4_key {
    __u32 addr;
    __u16 port;
    __u8 proto;
    __u8 pad;
};

struct acl6_key {
    __u32 addr[4];
    __u16 port;
    __u8 proto;
    __u8 pad;
};

struct service {
    __u32 action;   // XDP_PASS / XDP_DROP / XDP_TX
    __u32 rate_cap; // packets before drop
    __u64 seen;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 4096);
    __type(key, struct flow_key);
    __type(value, struct flow_stats);
} flows SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, struct acl4_key);
    __type(value, __u32);
} acl4 SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, struct acl6_key);
    __type(value, __u32);
} acl6 SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 64);
    __type(key, __u32);
    __type(value, struct service);
} services SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 256);
    __type(key, __u32);
    __type(value, __u64);
} counters SEC(".maps");

enum {
    C_ETH = 0, C_VLAN, C_QINQ, C_IPV4, C_IPV6, C_TCP, C_UDP, C_OTHER_L4, C_SHORT, C_FRAG,
    C_ACL_DROP, C_ACL_PASS, C_SVC = 32, C_EXT = 128,
};

static __always_inline void count(__u32 what) {
    __u64 *v = bpf_map_lookup_elem(&counters, &what);
    if (v) __sync_fetch_and_add(v, 1);
}

static __always_inline __u32 flow_update(struct flow_key *key, __u64 len, __u32 flags) {
    struct flow_stats *st = bpf_map_lookup_elem(&flows, key);
    if (!st) {
        struct flow_stats fresh = {1, len, flags, 0};
        bpf_map_update_elem(&flows, key, &fresh, BPF_ANY);
        return 1;
    }
    __sync_fetch_and_add(&st->packets, 1);
    __sync_fetch_and_add(&st->bytes, len);
    st->flags_seen |= flags;
    return st->packets > 1000000 ? 2 : 0;
}

#define SVC(n)                                                                             \
    case (n) * 7 + 20: {                                                                   \
        __u32 idx = (n);                                                                   \
        struct service *s = bpf_map_lookup_elem(&services, &idx);                          \
        if (!s) return XDP_ABORTED;                                                        \
        __sync_fetch_and_add(&s->seen, 1);                                                 \
        count(C_SVC + (n));                                                                \
        if (s->seen > s->rate_cap && s->rate_cap) return XDP_DROP;                         \
        action = s->action ^ ((n) & 1);                                                    \
        break;                                                                             \
    }
#define SVC8(b) SVC(b) SVC(b + 1) SVC(b + 2) SVC(b + 3) SVC(b + 4) SVC(b + 5) SVC(b + 6) SVC(b + 7)

// The service table: one case per well-known port, each with its own lookup and cap.
static __attribute__((noinline)) int service_action(__u32 dport, __u32 fallback) {
    int action = fallback;
    switch (dport) {
        SVC8(0) SVC8(8) SVC8(16) SVC8(24) SVC8(32) SVC8(40) SVC8(48) SVC8(56)
    default: break;
    }
    return action & 3;
}

static __always_inline int l4(void *cursor, void *end, struct flow_key *key, __u64 len) {
    __u32 flags = 0;
    if (key->proto == IPPROTO_TCP) {
        struct tcphdr *tcp = cursor;
        if ((void *)(tcp + 1) > end) { count(C_SHORT); return XDP_DROP; }
        count(C_TCP);
        key->sport = tcp->source;
        key->dport = tcp->dest;
        flags = (tcp->syn ? 1 : 0) | (tcp->fin ? 2 : 0) | (tcp->rst ? 4 : 0) | (tcp->ack ? 8 : 0);
        if (tcp->syn && tcp->fin) return XDP_DROP;
        __u32 doff = tcp->doff * 4;
        if (doff < sizeof(*tcp)) return XDP_DROP;
    } else if (key->proto == IPPROTO_UDP) {
        struct udphdr *udp = cursor;
        if ((void *)(udp + 1) > end) { count(C_SHORT); return XDP_DROP; }
        count(C_UDP);
        key->sport = udp->source;
        key->dport = udp->dest;
        if (bpf_ntohs(udp->len) < sizeof(*udp)) return XDP_DROP;
    } else {
        count(C_OTHER_L4);
        return XDP_PASS;
    }
    __u32 verdict = flow_update(key, len, flags);
    if (verdict == 2) return XDP_DROP;
    return service_action(bpf_ntohs(key->dport), XDP_PASS);
}

static __always_inline int acl_v4(struct flow_key *key) {
    struct acl4_key k = {key->src[0], key->dport, key->proto, 0};
    __u32 *rule = bpf_map_lookup_elem(&acl4, &k);
    if (!rule) {
        k.port = 0;
        rule = bpf_map_lookup_elem(&acl4, &k);
    }
    if (!rule) return -1;
    count(*rule ? C_ACL_DROP : C_ACL_PASS);
    return *rule ? XDP_DROP : XDP_PASS;
}

static __always_inline int acl_v6(struct flow_key *key) {
    struct acl6_key k = {};
    k.addr[0] = key->src[0];
    k.addr[1] = key->src[1];
    k.addr[2] = key->src[2];
    k.addr[3] = key->src[3];
    k.port = key->dport;
    k.proto = key->proto;
    __u32 *rule = bpf_map_lookup_elem(&acl6, &k);
    if (!rule) return -1;
    count(*rule ? C_ACL_DROP : C_ACL_PASS);
    return *rule ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int big_parser(struct xdp_md *ctx) {
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    __u64 len = (__u64)(end - data);
    struct flow_key key = {};
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end) { count(C_SHORT); return XDP_DROP; }
    count(C_ETH);
    __u16 proto = eth->h_proto;
    void *cursor = eth + 1;

#pragma unroll
    for (int tag = 0; tag < 2; tag++) {
        if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD)) break;
        struct vlan_hdr *vh = cursor;
        if ((void *)(vh + 1) > end) { count(C_SHORT); return XDP_DROP; }
        count(tag ? C_QINQ : C_VLAN);
        key.vlan = bpf_ntohs(vh->tci) & 0xfff;
        proto = vh->proto;
        cursor = vh + 1;
    }

    if (proto == bpf_htons(ETH_P_IP)) {
        struct iphdr *ip = cursor;
        if ((void *)(ip + 1) > end) { count(C_SHORT); return XDP_DROP; }
        count(C_IPV4);
        __u32 ihl = ip->ihl * 4;
        if (ihl < sizeof(*ip) || ihl > 60) return XDP_DROP;
        if (ip->frag_off & bpf_htons(0x3fff)) { count(C_FRAG); return XDP_PASS; }
        if (ip->ttl <= 1) return XDP_DROP;
        key.family = 4;
        key.proto = ip->protocol;
        key.src[0] = ip->saddr;
        key.dst[0] = ip->daddr;
        cursor = (void *)ip + ihl;
        if (cursor + sizeof(struct udphdr) > end) { count(C_SHORT); return XDP_DROP; }
        int acl = acl_v4(&key);
        if (acl >= 0 && acl != XDP_PASS) return acl;
        return l4(cursor, end, &key, len);
    }
    if (proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6 = cursor;
        if ((void *)(ip6 + 1) > end) { count(C_SHORT); return XDP_DROP; }
        count(C_IPV6);
        if (ip6->hop_limit <= 1) return XDP_DROP;
        key.family = 6;
        __builtin_memcpy(key.src, &ip6->saddr, 16);
        __builtin_memcpy(key.dst, &ip6->daddr, 16);
        __u8 next = ip6->nexthdr;
        cursor = ip6 + 1;
        // Up to three extension headers (hop-by-hop, routing, destination options).
#pragma unroll
        for (int i = 0; i < 3; i++) {
            if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING && next != IPPROTO_DSTOPTS) break;
            __u8 *ext = cursor;
            if ((void *)(ext + 8) > end) { count(C_SHORT); return XDP_DROP; }
            count(C_EXT + next);
            next = ext[0];
            cursor = ext + 8 + ext[1] * 8;
        }
        key.proto = next;
        if (cursor + sizeof(struct udphdr) > end) { count(C_SHORT); return XDP_DROP; }
        int acl = acl_v6(&key);
        if (acl >= 0 && acl != XDP_PASS) return acl;
        return l4(cursor, end, &key, len);
    }
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
