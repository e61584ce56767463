// verdict: reject packet out of bounds
// Unsafe twins of xdp_packet_loops.c's sum_idx.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

// `data + i > end` lets data + i reach end itself.
SEC("xdp")
int idx_past_end(struct xdp_md *ctx) {
    unsigned char *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u64 s = 0;
    __u32 len = end - data;
    for (__u32 i = 0; i < len; i++) { if (data + i > end) break; s += data[i]; } // REJECT
    return s & 1 ? XDP_PASS : XDP_DROP;
}

// data[i + 1] after checking only data + i + 1.
SEC("xdp")
int idx_next(struct xdp_md *ctx) {
    unsigned char *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u64 s = 0;
    __u32 len = end - data;
    for (__u32 i = 0; i < len; i++) { if (data + i + 1 > end) break; s += data[i + 1]; } // REJECT
    return s & 1 ? XDP_PASS : XDP_DROP;
}

// Correct for 3000 trips, then data[i + 1]: beyond what the walk enumerates, so the loop
// pass must see it (with data[i] ^ 1 for data[i + 1] it accepts).
SEC("xdp")
int idx_late(struct xdp_md *ctx) {
    unsigned char *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u64 s = 0;
    __u32 len = end - data;
    for (__u32 i = 0; i < len; i++) { if (data + i + 1 > end) break; s += i > 3000 ? data[i + 1] : data[i]; } // REJECT
    return s & 1 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
