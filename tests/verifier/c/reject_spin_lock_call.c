// verdict: reject spin lock
// A helper called while the bpf_spin_lock is held.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct locked {
    struct bpf_spin_lock lock;
    __u64 stamp;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct locked);
} stamps SEC(".maps");

SEC("xdp")
int stamp_locked(struct xdp_md *ctx) {
    __u32 key = 0;
    struct locked *v = bpf_map_lookup_elem(&stamps, &key);
    if (!v) return XDP_PASS;
    bpf_spin_lock(&v->lock);
    v->stamp = bpf_ktime_get_ns(); // REJECT: no helper calls under the lock
    bpf_spin_unlock(&v->lock);
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
