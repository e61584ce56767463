// Socket lookups over the embedder's SocketTable (tests/object/sockets_test.cpp): a tc
// program steering TCP/UDP packets to the socket their 4-tuple names (bpf_sk_assign), and
// one returning the skb's socket cookie. Every looked-up socket is released on every path.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

// TC_ACT_SHOT: not IPv4/TCP/UDP or too short; 100: no socket; 101: assigned; 102 + -ret:
// sk_assign failed.
SEC("tc")
int steer(struct __sk_buff *skb) {
    void *data = (void *)(long)skb->data;
    void *end = (void *)(long)skb->data_end;
    struct ethhdr *eth = data;
    struct iphdr *ip = data + sizeof(*eth);
    __u16 *ports = data + sizeof(*eth) + sizeof(*ip);
    if ((void *)(ports + 2) > end) return TC_ACT_SHOT;
    if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5) return TC_ACT_SHOT;
    struct bpf_sock_tuple t = {};
    t.ipv4.saddr = ip->saddr;
    t.ipv4.daddr = ip->daddr;
    t.ipv4.sport = ports[0];
    t.ipv4.dport = ports[1];
    struct bpf_sock *sk;
    if (ip->protocol == IPPROTO_TCP)
        sk = bpf_sk_lookup_tcp(skb, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
    else if (ip->protocol == IPPROTO_UDP)
        sk = bpf_sk_lookup_udp(skb, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
    else
        return TC_ACT_SHOT;
    if (!sk) return 100;
    long err = bpf_sk_assign(skb, sk, 0);
    bpf_sk_release(sk);
    return err == 0 ? 101 : 102 - err;
}

// skc_lookup_tcp sees time-wait sockets that sk_lookup_tcp does not: 1 if skc found one,
// +2 if sk found one.
SEC("tc")
int find_both(struct __sk_buff *skb) {
    void *data = (void *)(long)skb->data;
    void *end = (void *)(long)skb->data_end;
    struct iphdr *ip = data + sizeof(struct ethhdr);
    __u16 *ports = (void *)(ip + 1);
    if ((void *)(ports + 2) > end) return TC_ACT_SHOT;
    struct bpf_sock_tuple t = {};
    t.ipv4.saddr = ip->saddr;
    t.ipv4.daddr = ip->daddr;
    t.ipv4.sport = ports[0];
    t.ipv4.dport = ports[1];
    int found = 0;
    struct bpf_sock *skc = bpf_skc_lookup_tcp(skb, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
    if (skc) {
        found |= 1;
        bpf_sk_release(skc);
    }
    struct bpf_sock *sk = bpf_sk_lookup_tcp(skb, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
    if (sk) {
        found |= 2;
        bpf_sk_release(sk);
    }
    return found;
}

// The low 32 bits of the skb's socket cookie (0: no socket).
SEC("tc")
int cookie(struct __sk_buff *skb) {
    return (int)bpf_get_socket_cookie(skb);
}

char LICENSE[] SEC("license") = "GPL";
