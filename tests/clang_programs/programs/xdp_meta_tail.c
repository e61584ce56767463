// Pushes 4 bytes of metadata, stamps them, trims the frame to 64 bytes, returns the
// metadata length it sees after re-reading the pointers.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("prog")
int xdp_meta_tail(struct xdp_md *ctx) {
    if (bpf_xdp_adjust_meta(ctx, -4)) return XDP_ABORTED;
    void *data = (void *)(long)ctx->data;
    void *meta = (void *)(long)ctx->data_meta;
    __u32 *stamp = meta;
    if ((void *)(stamp + 1) > data) return XDP_ABORTED;
    *stamp = ctx->rx_queue_index + 0x1000;
    int len = (int)((long)ctx->data_end - (long)ctx->data);
    if (len > 64 && bpf_xdp_adjust_tail(ctx, 64 - len)) return XDP_ABORTED;
    return XDP_PASS;
}
