// BTF-defined maps of several kinds, a map-in-map with a declarative inner map,
// and a spin lock inside a map value.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct flow_key {
    __u32 src;
    __u32 dst;
    __u16 port;
    __u16 pad;
};

struct locked_value {
    __u64 packets;
    struct bpf_spin_lock lock;
    __u64 bytes;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, struct flow_key);
    __type(value, __u64);
    __uint(map_flags, BPF_F_NO_PREALLOC);
} flows SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, struct locked_value);
} locked SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 8);
    __uint(key_size, 4);
    __uint(value_size, 16);
} sized SEC(".maps");

struct inner {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 2);
    __type(key, __u32);
    __type(value, __u32);
} inner0 SEC(".maps"), inner1 SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
    __uint(max_entries, 3);
    __type(key, __u32);
    __array(values, struct inner);
} outer SEC(".maps") = {
    .values = { [0] = &inner0, [2] = &inner1 },
};

// Key-less map types: key_size 0 is their rule, not an error.
struct {
    __uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
    __uint(max_entries, 64);
    __type(value, __u32);
    __uint(map_extra, 3); // number of hash functions
} seen SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_QUEUE);
    __uint(max_entries, 8);
    __type(value, __u64);
} pending SEC(".maps");

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int count_flows(struct xdp_md *ctx)
{
    struct flow_key key = { .src = ctx->ingress_ifindex, .dst = 2, .port = 80 };
    __u64 one = 1, *value;
    __u32 zero = 0;
    struct locked_value *lv;

    value = bpf_map_lookup_elem(&flows, &key);
    if (value)
        __sync_fetch_and_add(value, 1);
    else
        bpf_map_update_elem(&flows, &key, &one, BPF_ANY);

    lv = bpf_map_lookup_elem(&locked, &zero);
    if (lv) {
        bpf_spin_lock(&lv->lock);
        lv->packets++;
        bpf_spin_unlock(&lv->lock);
    }
    void *in = bpf_map_lookup_elem(&outer, &zero);
    if (in && bpf_map_lookup_elem(&sized, &zero))
        return XDP_DROP;
    return XDP_PASS;
}
