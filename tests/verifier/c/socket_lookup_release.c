// verdict: accept
// bpf_sk_lookup_tcp, NULL check, bpf_sk_release on the path that found one.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int lookup_release(struct __sk_buff *skb) {
    struct bpf_sock_tuple t = {};
    t.ipv4.dport = (__u16)skb->mark;
    struct bpf_sock *sk = bpf_sk_lookup_tcp(skb, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
    if (!sk) return 0;
    bpf_sk_release(sk);
    return 1;
}

char LICENSE[] SEC("license") = "GPL";
