// verdict: accept
// Loops bounded by data_end, not by a constant: the loop pass proves them for every
// packet length (docs/loop-verification.md, "Packets"). The walk alone gives up.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

// A pointer walking the packet: `p + 1 <= end` at every trip.
SEC("xdp")
int sum_ptr(struct xdp_md *ctx) {
    unsigned char *p = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u64 s = 0;
    for (; p + 1 <= end; p++) s += *p;
    return s & 1 ? XDP_PASS : XDP_DROP;
}

// An index below the length, each byte checked against data_end too.
SEC("xdp")
int sum_idx(struct xdp_md *ctx) {
    unsigned char *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u64 s = 0;
    __u32 len = end - data;
    for (__u32 i = 0; i < len; i++) {
        if (data + i + 1 > end) break;
        s += data[i];
    }
    return s & 1 ? XDP_PASS : XDP_DROP;
}

// Type-length-value records whose stride comes from the packet.
SEC("xdp")
int tlv(struct xdp_md *ctx) {
    unsigned char *p = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u64 s = 0;
    while (p + 2 <= end) {
        __u8 l = p[1];
        if (p + 2 + l > end) break;
        s += p[0];
        p += 2 + l;
    }
    return s & 1 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
