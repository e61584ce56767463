// verdict: accept
// A counter updated under the bpf_spin_lock of its map value.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct locked {
    struct bpf_spin_lock lock;
    __u64 count;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct locked);
} stats SEC(".maps");

SEC("xdp")
int count_locked(struct xdp_md *ctx) {
    __u32 key = 0;
    struct locked *v = bpf_map_lookup_elem(&stats, &key);
    if (!v) return XDP_PASS;
    bpf_spin_lock(&v->lock);
    v->count++;
    bpf_spin_unlock(&v->lock);
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
