// Grows and shrinks the frame as the packet asks: byte 0 = operation (1 head, 2 meta,
// 3 tail), bytes 1-2 = signed delta (little endian). XDP_PASS when the helper succeeded,
// XDP_DROP when it refused; after a successful meta grow the metadata starts with
// 0xA5 and after a head grow the new first byte is 0x5A, proving the room is writable.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int adjust(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    if (data + 3 > end)
        return XDP_ABORTED;
    __u8 op = *(__u8 *)data;
    int delta = (__s16)(((__u8 *)data)[1] | ((__u8 *)data)[2] << 8);
    int err;
    switch (op) {
    case 1:
        err = bpf_xdp_adjust_head(ctx, delta);
        break;
    case 2:
        err = bpf_xdp_adjust_meta(ctx, delta);
        break;
    case 3:
        err = bpf_xdp_adjust_tail(ctx, delta);
        break;
    default:
        return XDP_ABORTED;
    }
    if (err)
        return XDP_DROP;
    data = (void *)(long)ctx->data;
    end = (void *)(long)ctx->data_end;
    if (op == 1 && delta < 0 && data + 1 <= end)
        *(__u8 *)data = 0x5A;
    if (op == 2 && delta < 0) {
        void *meta = (void *)(long)ctx->data_meta;
        if (meta + 1 <= data)
            *(__u8 *)meta = 0xA5;
    }
    return XDP_PASS;
}
