// verdict: reject read-only memory
// Helpers that change a BPF_F_RDONLY_PROG map (the kernel's record_func_map: "write into
// map forbidden"), a store through a looked-up value, a for_each callback writing the value
// it is given, and bpf_spin_lock, which writes the lock word. One program per way in.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 4);
    __uint(map_flags, BPF_F_RDONLY_PROG);
    __type(key, __u32);
    __type(value, __u64);
} config SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_QUEUE);
    __uint(max_entries, 4);
    __uint(map_flags, BPF_F_RDONLY_PROG);
    __type(value, __u64);
} backlog SEC(".maps");

struct locked {
    struct bpf_spin_lock lock;
    __u64 count;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __uint(map_flags, BPF_F_RDONLY_PROG);
    __type(key, __u32);
    __type(value, struct locked);
} frozen_stats SEC(".maps");

SEC("xdp")
int update_config(struct xdp_md *ctx) {
    __u32 key = 0;
    __u64 value = 1;
    bpf_map_update_elem(&config, &key, &value, BPF_ANY); // REJECT: update of a read-only map
    return XDP_PASS;
}

SEC("xdp")
int delete_config(struct xdp_md *ctx) {
    __u32 key = 0;
    bpf_map_delete_elem(&config, &key); // REJECT: delete from a read-only map
    return XDP_PASS;
}

SEC("xdp")
int push_backlog(struct xdp_md *ctx) {
    __u64 value = 7;
    bpf_map_push_elem(&backlog, &value, 0); // REJECT: push onto a read-only queue
    return XDP_PASS;
}

SEC("xdp")
int pop_backlog(struct xdp_md *ctx) {
    __u64 value = 0;
    bpf_map_pop_elem(&backlog, &value); // REJECT: pop removes from a read-only queue
    return value ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int store_config(struct xdp_md *ctx) {
    __u32 key = 0;
    __u64 *v = bpf_map_lookup_elem(&config, &key);
    if (!v) return XDP_PASS;
    *(volatile __u64 *)v = 2; // REJECT: store into a read-only value
    return XDP_PASS;
}

static long clear_value(void *map, __u32 *key, __u64 *value, void *ctx) {
    *(volatile __u64 *)value = 0; // REJECT: the callback's value is read-only too
    return 0;
}

SEC("xdp")
int clear_config(struct xdp_md *ctx) {
    bpf_for_each_map_elem(&config, clear_value, 0, 0);
    return XDP_PASS;
}

SEC("xdp")
int lock_frozen(struct xdp_md *ctx) {
    __u32 key = 0;
    struct locked *v = bpf_map_lookup_elem(&frozen_stats, &key);
    if (!v) return XDP_PASS;
    bpf_spin_lock(&v->lock); // REJECT: taking the lock writes a read-only value
    v->count++;
    bpf_spin_unlock(&v->lock);
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
