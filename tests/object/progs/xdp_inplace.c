// No helper, no map, no stack: lean code (one native call per frame). Byte 14 of the
// packet picks the verdict (0 XDP_ABORTED .. 3 XDP_TX, else XDP_PASS), byte 15 is
// written into byte 0 and byte 1 is incremented, in place; runts (< 16 bytes) are
// dropped.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int inplace(struct xdp_md *ctx)
{
    __u8 *data = (void *)(long)ctx->data;
    __u8 *end = (void *)(long)ctx->data_end;
    if (data + 16 > end)
        return XDP_DROP;
    data[0] = data[15];
    data[1] += 1;
    __u8 pick = data[14];
    return pick <= XDP_TX ? pick : XDP_PASS;
}
