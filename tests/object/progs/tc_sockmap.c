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

// As tctracer's track_sock: a socket looked up by its tuple (here from cb[0..2]: remote
// address, local address, remote port << 16 | local port, network order) is stored, then
// released. 100: no socket; else 200 - the update's return value.
SEC("tc")
int add_looked_up(struct __sk_buff *skb) {
    struct bpf_sock_tuple t = {};
    t.ipv4.saddr = skb->cb[0];
    t.ipv4.daddr = skb->cb[1];
    t.ipv4.sport = skb->cb[2] >> 16;
    t.ipv4.dport = skb->cb[2] & 0xffff;
    struct bpf_sock *sk = bpf_sk_lookup_tcp(skb, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
    if (!sk) return 100;
    struct conn_key key = {};
    key_of(sk, &key);
    long err = bpf_map_update_elem(&sock_dir, &key, sk, BPF_ANY);
    bpf_sk_release(sk);
    return 200 - err;
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
