// verdict: reject packet out of bounds
// Unsafe twin of xdp_narrow_spill_loop.c: the same loop with its counter in a 4-byte
// stack slot reads p[2] after checking only p + 2 <= end.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int ext_headers_past_end(struct xdp_md *ctx) {
    unsigned char *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    volatile __u32 i __attribute__((aligned(8))); // *(u32 *)(r10 - 8): stored and filled each trip
    __u32 off = 0;
    for (i = 0; i < 8; i++) {
        if (off > 256) return XDP_DROP;
        unsigned char *p = data + off;
        if (p + 2 > end) return XDP_PASS;
        if (p[0] == 59) break;
        off += (__u32)(p[2] + 1) * 8; // REJECT
    }
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
