// verdict: accept
// A map lookup's result passed to a global function before any NULL check: the kernel
// checks it as the value it may be (check_mem_reg), the callee compares it with NULL.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct value {
    __u64 packets;
    __u64 bytes;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, struct value);
} stats SEC(".maps");

__attribute__((noinline)) int account(struct value *v, __u32 len) {
    if (!v) return 0;
    v->packets += 1;
    v->bytes += len;
    return 1;
}

SEC("xdp")
int global_maybe_null(struct xdp_md *ctx) {
    __u32 key = ctx->rx_queue_index;
    struct value *v = bpf_map_lookup_elem(&stats, &key);
    return account(v, ctx->data_end - ctx->data) ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
