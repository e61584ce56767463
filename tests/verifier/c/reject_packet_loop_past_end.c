// verdict: reject packet out of bounds
// Unsafe twins of xdp_packet_loops.c's sum_ptr: each reads one byte past what its
// data_end check proves.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

// `p <= end` lets p reach end itself.
SEC("xdp")
int sum_ptr_le(struct xdp_md *ctx) {
    unsigned char *p = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u64 s = 0;
    for (; p <= end; p++) s += *p; // REJECT
    return s & 1 ? XDP_PASS : XDP_DROP;
}

// p[1] after checking only p + 1.
SEC("xdp")
int sum_ptr_next(struct xdp_md *ctx) {
    unsigned char *p = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u64 s = 0;
    for (; p + 1 <= end; p++) s += p[1]; // REJECT
    return s & 1 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
