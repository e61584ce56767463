// verdict: reject uninitialized register
// The global function moves the packet's head (bpf_xdp_adjust_head): the caller's packet
// pointers from before the call are invalid after it.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__attribute__((noinline)) int strip(struct xdp_md *ctx, int n) {
    return bpf_xdp_adjust_head(ctx, n);
}

SEC("xdp")
int global_adjust_head(struct xdp_md *ctx) {
    unsigned char *data = (void *)(long)ctx->data;
    unsigned char *end = (void *)(long)ctx->data_end;
    if (data + 8 > end) return XDP_PASS;
    strip(ctx, 4);
    return data[0] == 1 ? XDP_DROP : XDP_PASS; // REJECT
}

char LICENSE[] SEC("license") = "GPL";
