// verdict: reject null pointer dereference
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __u64);
} m SEC(".maps");

SEC("xdp")
int no_null(struct xdp_md *ctx) {
    __u32 k = ctx->rx_queue_index;
    __u64 *v = bpf_map_lookup_elem(&m, &k);
    return *v ? XDP_PASS : XDP_DROP; // REJECT
}

char LICENSE[] SEC("license") = "GPL";
