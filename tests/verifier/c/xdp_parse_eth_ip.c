// verdict: accept
// Ethernet -> (VLAN) -> IPv4/IPv6 -> TCP/UDP parser counting packets per protocol.
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

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 256);
    __type(key, __u32);
    __type(value, __u64);
} proto_count SEC(".maps");

static __always_inline void count(__u32 proto) {
    __u64 *v = bpf_map_lookup_elem(&proto_count, &proto);
    if (v) __sync_fetch_and_add(v, 1);
}

SEC("xdp")
int parse(struct xdp_md *ctx) {
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end) return XDP_DROP;
    __u16 proto = eth->h_proto;
    void *cursor = eth + 1;
    if (proto == bpf_htons(ETH_P_8021Q)) {
        struct vlan_hdr *vh = cursor;
        if ((void *)(vh + 1) > end) return XDP_DROP;
        proto = vh->proto;
        cursor = vh + 1;
    }
    __u8 l4 = 0;
    if (proto == bpf_htons(ETH_P_IP)) {
        struct iphdr *ip = cursor;
        if ((void *)(ip + 1) > end) return XDP_DROP;
        l4 = ip->protocol;
        cursor = (void *)ip + ip->ihl * 4;
    } else if (proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6 = cursor;
        if ((void *)(ip6 + 1) > end) return XDP_DROP;
        l4 = ip6->nexthdr;
        cursor = ip6 + 1;
    } else {
        return XDP_PASS;
    }
    if (l4 == IPPROTO_TCP) {
        struct tcphdr *tcp = cursor;
        if ((void *)(tcp + 1) > end) return XDP_DROP;
        if (tcp->syn && !tcp->ack) count(255);
    } else if (l4 == IPPROTO_UDP) {
        struct udphdr *udp = cursor;
        if ((void *)(udp + 1) > end) return XDP_DROP;
        if (udp->dest == bpf_htons(53)) count(254);
    }
    count(l4);
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
