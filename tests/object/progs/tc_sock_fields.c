// Reading struct bpf_sock through looked-up sockets (tests/object/sock_fields_test.cpp):
// the fields land in the `seen` array map, whole and in the narrow forms the kernel
// allows, so the test compares them with the embedder's SocketSpec. Every socket is
// released on every path.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct seen {
    struct bpf_sock whole; // every field read as the program's C reads it
    __u32 state_u8;        // 1-byte load of state
    __u32 family_u16;      // 2-byte load of family
    __u32 src_ip4_byte1;   // the second byte of src_ip4
    __u32 dst_port_word;   // the old u32 dst_port: the port, zero-extended
    __u32 dst_port_byte1;  // the second byte of the port
    __u32 dst_ip6_half1;   // bytes 2-3 of dst_ip6
    __u32 type_u8;         // 1-byte load of type
    __u32 found;           // 1: sk_lookup_*, 2: skc_lookup_tcp
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct seen);
} seen SEC(".maps");

// The packet's 4-tuple as a struct bpf_sock_tuple; its size (12 / 36), 0 if none.
static __always_inline int tuple_of(struct __sk_buff *skb, struct bpf_sock_tuple *t, __u8 *proto) {
    void *data = (void *)(long)skb->data;
    void *end = (void *)(long)skb->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end) return 0;
    if (eth->h_proto == bpf_htons(ETH_P_IP)) {
        struct iphdr *ip = (void *)(eth + 1);
        __u16 *ports = (void *)(ip + 1);
        if ((void *)(ports + 2) > end || ip->ihl != 5) return 0;
        t->ipv4.saddr = ip->saddr;
        t->ipv4.daddr = ip->daddr;
        t->ipv4.sport = ports[0];
        t->ipv4.dport = ports[1];
        *proto = ip->protocol;
        return sizeof(t->ipv4);
    }
    if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6 = (void *)(eth + 1);
        __u16 *ports = (void *)(ip6 + 1);
        if ((void *)(ports + 2) > end) return 0;
        __builtin_memcpy(t->ipv6.saddr, &ip6->saddr, 16);
        __builtin_memcpy(t->ipv6.daddr, &ip6->daddr, 16);
        t->ipv6.sport = ports[0];
        t->ipv6.dport = ports[1];
        *proto = ip6->nexthdr;
        return sizeof(t->ipv6);
    }
    return 0;
}

// A full socket (sk_lookup_tcp / sk_lookup_udp): every field. 1 found, 0 none, 2 no tuple.
SEC("tc")
int full(struct __sk_buff *skb) {
    struct bpf_sock_tuple t = {};
    __u8 proto = 0;
    int len = tuple_of(skb, &t, &proto);
    if (!len) return 2;
    __u32 zero = 0;
    struct seen *out = bpf_map_lookup_elem(&seen, &zero);
    if (!out) return 2;
    struct bpf_sock *sk;
    if (proto == IPPROTO_TCP)
        sk = bpf_sk_lookup_tcp(skb, &t, len, BPF_F_CURRENT_NETNS, 0);
    else
        sk = bpf_sk_lookup_udp(skb, &t, len, BPF_F_CURRENT_NETNS, 0);
    if (!sk) return 0;
    out->whole.bound_dev_if = sk->bound_dev_if;
    out->whole.family = sk->family;
    out->whole.type = sk->type;
    out->whole.protocol = sk->protocol;
    out->whole.mark = sk->mark;
    out->whole.priority = sk->priority;
    out->whole.src_ip4 = sk->src_ip4;
    for (int i = 0; i < 4; i++) out->whole.src_ip6[i] = sk->src_ip6[i];
    out->whole.src_port = sk->src_port;
    out->whole.dst_port = sk->dst_port;
    out->whole.dst_ip4 = sk->dst_ip4;
    for (int i = 0; i < 4; i++) out->whole.dst_ip6[i] = sk->dst_ip6[i];
    out->whole.state = sk->state;
    out->whole.rx_queue_mapping = sk->rx_queue_mapping;
    out->state_u8 = *(volatile __u8 *)&sk->state;
    out->family_u16 = *(volatile __u16 *)&sk->family;
    out->src_ip4_byte1 = ((volatile __u8 *)&sk->src_ip4)[1];
    out->dst_port_word = *(volatile __u32 *)&sk->dst_port;
    out->dst_port_byte1 = ((volatile __u8 *)&sk->dst_port)[1];
    out->dst_ip6_half1 = ((volatile __u16 *)&sk->dst_ip6)[1];
    out->type_u8 = *(volatile __u8 *)&sk->type;
    out->found = 1;
    bpf_sk_release(sk);
    return 1;
}

// A sock_common (skc_lookup_tcp: time-wait sockets too), as Cilium's proxy.h reads it:
// family, state, the addresses and ports. 1 found, 0 none, 2 no tuple.
SEC("tc")
int common(struct __sk_buff *skb) {
    struct bpf_sock_tuple t = {};
    __u8 proto = 0;
    int len = tuple_of(skb, &t, &proto);
    if (!len) return 2;
    __u32 zero = 0;
    struct seen *out = bpf_map_lookup_elem(&seen, &zero);
    if (!out) return 2;
    struct bpf_sock *sk = bpf_skc_lookup_tcp(skb, &t, len, BPF_F_CURRENT_NETNS, 0);
    if (!sk) return 0;
    out->whole.bound_dev_if = sk->bound_dev_if;
    out->whole.family = sk->family;
    out->whole.src_ip4 = sk->src_ip4;
    out->whole.src_port = sk->src_port;
    out->whole.dst_port = sk->dst_port;
    out->whole.dst_ip4 = sk->dst_ip4;
    out->whole.state = sk->state;
    out->whole.rx_queue_mapping = sk->rx_queue_mapping;
    out->state_u8 = *(volatile __u8 *)&sk->state;
    out->found = 2;
    bpf_sk_release(sk);
    return 1;
}

char LICENSE[] SEC("license") = "GPL";
