// Socket maps from tc and socket filters (tests/object/sockmap_test.cpp), as OpenTelemetry's
// tctracer uses them: skb->sk made full with bpf_sk_fullsock and stored in a SOCKHASH
// keyed by the connection; lookups return a referenced socket, released on every path.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct conn_key {
    __u32 local_ip;
    __u32 remote_ip;
    __u32 local_port;
    __u32 remote_port;
};

struct {
    __uint(type, BPF_MAP_TYPE_SOCKHASH);
    __uint(max_entries, 16);
    __type(key, struct conn_key);
    __type(value, __u64); // value_size 8: user space reads cookies
} sock_dir SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_SOCKMAP);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u32);
} sock_slots SEC(".maps");

static __always_inline void key_of(struct bpf_sock *sk, struct conn_key *k) {
    k->local_ip = sk->src_ip4;
    k->remote_ip = sk->dst_ip4;
    k->local_port = sk->src_port;
    k->remote_port = sk->dst_port;
}

// 100: no skb->sk; 101: not a full socket; else 200 - the update's return value.
SEC("tc")
int add_socket(struct __sk_buff *skb) {
    struct bpf_sock *sk = skb->sk;
    if (!sk) return 100;
    sk = bpf_sk_fullsock(sk);
    if (!sk) return 101;
    struct conn_key key = {};
    key_of(sk, &key);
    return 200 - bpf_map_update_elem(&sock_dir, &key, sk, BPF_NOEXIST);
}

// The local port of the socket stored under skb->sk's connection, 0 when none.
SEC("tc")
int find_socket(struct __sk_buff *skb) {
    struct bpf_sock *sk = skb->sk;
    if (!sk) return 100;
    sk = bpf_sk_fullsock(sk);
    if (!sk) return 101;
    struct conn_key key = {};
    key_of(sk, &key);
    struct bpf_sock *found = bpf_map_lookup_elem(&sock_dir, &key);
    if (!found) return 0;
    int port = found->src_port;
    bpf_sk_release(found);
    return port;
}

// 200 - bpf_map_delete_elem's return value.
SEC("tc")
int forget_socket(struct __sk_buff *skb) {
    struct bpf_sock *sk = skb->sk;
    if (!sk) return 100;
    struct conn_key key = {};
    key_of(sk, &key);
    return 200 - bpf_map_delete_elem(&sock_dir, &key);
}

// A socket filter stores skb->sk (a sock_common: the map takes it) in slot cb[0].
SEC("socket")
int slot_socket(struct __sk_buff *skb) {
    struct bpf_sock *sk = skb->sk;
    if (!sk) return 100;
    __u32 slot = skb->cb[0];
    return 200 - bpf_map_update_elem(&sock_slots, &slot, sk, BPF_ANY);
}

char LICENSE[] SEC("license") = "GPL";
