// verdict: reject spin lock
// A global function called while the bpf_spin_lock is held (the kernel: "global function
// calls are not allowed while holding a lock").
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

__attribute__((noinline)) int next_stamp(int previous) {
    return previous + 1;
}

SEC("xdp")
int global_call_under_lock(struct xdp_md *ctx) {
    __u32 key = 0;
    struct locked *v = bpf_map_lookup_elem(&stamps, &key);
    if (!v) return XDP_PASS;
    bpf_spin_lock(&v->lock);
    v->stamp = next_stamp(v->stamp); // REJECT
    bpf_spin_unlock(&v->lock);
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
