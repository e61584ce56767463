// SPDX-License-Identifier: GPL-2.0
// xdp_lb: an L4 load balancer with Maglev-style backend selection.
//
//   xdp_lb ── eth [802.1Q] IPv4 ──► flow_meta (per-CPU scratch: L3/L4 offsets)
//      │
//      └─ bpf_tail_call(jmp_table, ip->protocol) ──► lb_tcp | lb_udp
//                                                       │
//         services[(VIP, port, proto)] ─► service id    │
//         maglev_ring[id * RING_SIZE + hash(5-tuple) % RING_SIZE] ─► backend index
//         backends[index] ─► new destination IP and MAC; checksums patched (RFC 1624)
//         backend_stats[index] += 1 packet, len bytes; return XDP_TX
//
// The control plane fills services, maglev_ring and backends (the CLI: `--map-init`);
// scripts/make-pcaps writes examples/xdp_lb.maps.json with a Maglev permutation table.
// Frames that are not for a VIP, not IPv4, or IPv4 fragments are passed up (XDP_PASS).
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define RING_SIZE 257 /* prime, as Maglev requires */
#define MAX_SERVICES 4
#define MAX_BACKENDS 16
#define MAX_L3_OFFSET (ETH_HLEN + 4)

#ifndef ETH_P_8021Q
#define ETH_P_8021Q 0x8100
#endif

struct vlan_hdr {
    __be16 tci;
    __be16 encapsulated_proto;
};

struct vip_key {
    __be32 addr;
    __be16 port;
    __u8 proto;
    __u8 pad;
};

struct service {
    __u32 id; /* selects the service's ring in maglev_ring */
    __u32 backend_count;
};

struct backend {
    __be32 addr;
    __u8 mac[ETH_ALEN];
    __u16 pad;
};

struct backend_counter {
    __u64 packets;
    __u64 bytes;
};

struct flow_meta {
    __u32 l3_off;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 64);
    __type(key, struct vip_key);
    __type(value, struct service);
} services SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, MAX_SERVICES * RING_SIZE);
    __type(key, __u32);
    __type(value, __u32);
} maglev_ring SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, MAX_BACKENDS);
    __type(key, __u32);
    __type(value, struct backend);
} backends SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, MAX_BACKENDS);
    __type(key, __u32);
    __type(value, struct backend_counter);
} backend_stats SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct flow_meta);
} scratch SEC(".maps");

int lb_tcp(struct xdp_md *ctx);
int lb_udp(struct xdp_md *ctx);

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 32);
    __uint(key_size, sizeof(__u32));
    __array(values, int(struct xdp_md *));
} jmp_table SEC(".maps") = {
    .values = {
        [IPPROTO_TCP] = (void *)&lb_tcp,
        [IPPROTO_UDP] = (void *)&lb_udp,
    },
};

// murmur3's finaliser: every input bit affects every output bit.
static __always_inline __u32 mix32(__u32 h)
{
    h ^= h >> 16;
    h *= 0x85ebca6b;
    h ^= h >> 13;
    h *= 0xc2b2ae35;
    h ^= h >> 16;
    return h;
}

// Hash of the 5-tuple, all fields in host byte order.
static __always_inline __u32 flow_hash(__u32 saddr, __u32 daddr, __u16 sport, __u16 dport, __u8 proto)
{
    __u32 h = mix32(proto);
    h = mix32(h ^ (((__u32)sport << 16) | dport));
    h = mix32(h ^ daddr);
    return mix32(h ^ saddr);
}

static __always_inline __u16 csum_fold(__u32 sum)
{
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return (__u16)sum;
}

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for a 32-bit field (two 16-bit words).
// One's-complement sums are byte-order independent, so raw network-order words are fine.
static __always_inline __u16 csum_replace4(__u16 check, __be32 from, __be32 to)
{
    __u32 sum = (__u16)~check;

    sum += (~from & 0xffff) + (~from >> 16);
    sum += (to & 0xffff) + (to >> 16);
    return (__u16)~csum_fold(sum);
}

static __always_inline int forward(struct xdp_md *ctx, __u8 proto)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    __u32 zero = 0, ring_index, *backend_index, l3_off;
    struct ethhdr *eth = data;
    struct flow_meta *meta;
    struct iphdr *ip;
    struct vip_key vip = {};
    struct service *svc;
    struct backend *be;
    struct backend_counter *counter;
    __be16 *l4_check;
    __u16 sport, dport;
    void *l4;

    meta = bpf_map_lookup_elem(&scratch, &zero);
    if (!meta)
        return XDP_ABORTED;
    l3_off = meta->l3_off;
    if (l3_off > MAX_L3_OFFSET || (void *)(eth + 1) > data_end)
        return XDP_ABORTED;
    ip = data + l3_off;
    if ((void *)(ip + 1) > data_end)
        return XDP_ABORTED;
    l4 = (void *)ip + ip->ihl * 4;

    if (proto == IPPROTO_TCP) {
        struct tcphdr *tcp = l4;
        if ((void *)(tcp + 1) > data_end)
            return XDP_DROP;
        sport = tcp->source;
        dport = tcp->dest;
        l4_check = &tcp->check;
    } else {
        struct udphdr *udp = l4;
        if ((void *)(udp + 1) > data_end)
            return XDP_DROP;
        sport = udp->source;
        dport = udp->dest;
        l4_check = &udp->check;
    }

    vip.addr = ip->daddr;
    vip.port = dport;
    vip.proto = proto;
    svc = bpf_map_lookup_elem(&services, &vip);
    if (!svc || svc->id >= MAX_SERVICES)
        return XDP_PASS;

    ring_index = svc->id * RING_SIZE +
                 flow_hash(bpf_ntohl(ip->saddr), bpf_ntohl(ip->daddr), bpf_ntohs(sport),
                           bpf_ntohs(dport), proto) % RING_SIZE;
    backend_index = bpf_map_lookup_elem(&maglev_ring, &ring_index);
    if (!backend_index)
        return XDP_ABORTED;
    be = bpf_map_lookup_elem(&backends, backend_index);
    if (!be)
        return XDP_ABORTED;

    // The L4 checksum covers the pseudo-header, so it changes with the destination address.
    if (proto == IPPROTO_TCP) {
        *l4_check = csum_replace4(*l4_check, ip->daddr, be->addr);
    } else if (*l4_check) { /* a UDP checksum of 0 means "none" and stays 0 */
        __u16 check = csum_replace4(*l4_check, ip->daddr, be->addr);
        *l4_check = check ? check : 0xffff;
    }
    ip->check = csum_replace4(ip->check, ip->daddr, be->addr);
    ip->daddr = be->addr;
    __builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
    __builtin_memcpy(eth->h_dest, be->mac, ETH_ALEN);

    counter = bpf_map_lookup_elem(&backend_stats, backend_index);
    if (counter) {
        __sync_fetch_and_add(&counter->packets, 1);
        __sync_fetch_and_add(&counter->bytes, data_end - data);
    }
    return XDP_TX;
}

SEC("xdp")
int lb_tcp(struct xdp_md *ctx)
{
    return forward(ctx, IPPROTO_TCP);
}

SEC("xdp")
int lb_udp(struct xdp_md *ctx)
{
    return forward(ctx, IPPROTO_UDP);
}

SEC("xdp")
int xdp_lb(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    struct flow_meta *meta;
    struct iphdr *ip;
    __u32 zero = 0;
    __u16 proto;
    void *l3;

    if ((void *)(eth + 1) > data_end)
        return XDP_DROP;
    proto = eth->h_proto;
    l3 = eth + 1;
    if (proto == bpf_htons(ETH_P_8021Q)) {
        struct vlan_hdr *vlan = l3;
        if ((void *)(vlan + 1) > data_end)
            return XDP_DROP;
        proto = vlan->encapsulated_proto;
        l3 = vlan + 1;
    }
    if (proto != bpf_htons(ETH_P_IP))
        return XDP_PASS;
    ip = l3;
    if ((void *)(ip + 1) > data_end)
        return XDP_DROP;
    if (ip->ihl < 5 || ip->frag_off & bpf_htons(0x3fff)) /* bad header, or any fragment */
        return XDP_PASS;

    meta = bpf_map_lookup_elem(&scratch, &zero);
    if (!meta)
        return XDP_ABORTED;
    meta->l3_off = l3 - data;
    bpf_tail_call(ctx, &jmp_table, ip->protocol);
    return XDP_PASS; /* no stage for this protocol */
}

char LICENSE[] SEC("license") = "GPL";
