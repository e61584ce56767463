// Socket-map programs the kernel's verifier refuses, each at its marked line
// (tests/object/sockmap_test.cpp).
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_SOCKHASH);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __u64);
} sock_dir SEC(".maps");

// The value of a socket map is a socket, not memory: "R3 type=fp expected=sock_common, ...".
SEC("tc")
int update_with_memory(struct __sk_buff *skb) {
    __u32 key = skb->mark;
    __u64 value = 1;
    return bpf_map_update_elem(&sock_dir, &key, &value, BPF_ANY); // REJECT update_with_memory
}

// A lookup acquires the socket: returning without bpf_sk_release leaks it.
SEC("tc")
int lookup_without_release(struct __sk_buff *skb) {
    __u32 key = skb->mark;
    struct bpf_sock *sk = bpf_map_lookup_elem(&sock_dir, &key);
    if (!sk) return TC_ACT_OK;
    return sk->src_port; // the exit after it is refused (line 29)
}

// may_update_sockmap: cgroup sock_addr programs may not change a socket map.
SEC("cgroup/connect4")
int update_from_connect4(struct bpf_sock_addr *ctx) {
    __u32 key = 0;
    struct bpf_sock *sk = ctx->sk;
    if (!sk) return 1;
    bpf_map_update_elem(&sock_dir, &key, sk, BPF_ANY); // REJECT update_from_connect4
    return 1;
}

// bpf_sk_redirect_hash belongs to sk_skb programs, which ebpfjit does not run.
SEC("tc")
int redirect_hash(struct __sk_buff *skb) {
    __u32 key = 0;
    return bpf_sk_redirect_hash(skb, &sock_dir, &key, 0); // REJECT redirect_hash
}

char LICENSE[] SEC("license") = "GPL";
