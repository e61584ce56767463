// verdict: reject reference leak
// A path that returns without bpf_sk_release: the kernel's "Unreleased reference".
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int leak(struct __sk_buff *skb) {
    struct bpf_sock_tuple t = {};
    t.ipv4.dport = (__u16)skb->mark;
    struct bpf_sock *sk = bpf_sk_lookup_tcp(skb, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
    if (!sk) return 0;
    if (skb->len > 100) return 2; // leaks: reported at the exit
    bpf_sk_release(sk);
    return 1;
} // REJECT (the exit the leaking path reaches)

char LICENSE[] SEC("license") = "GPL";
