/* Loops bounded by data_end (issue 17): the verifier's loop pass proves them for every
 * packet length; packet_loops_test.cpp runs them on both engines against a C reference.
 * The return value is the result (not an XDP action): r0 of the run. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Every byte, walked with a pointer: `p + 1 <= end` at each trip. */
SEC("xdp")
int sum_ptr(struct xdp_md *ctx) {
    unsigned char *p = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u32 s = 0;
    for (; p + 1 <= end; p++) s = s * 31 + *p;
    return (int)s;
}

/* Every byte by index, each checked against data_end too. */
SEC("xdp")
int sum_idx(struct xdp_md *ctx) {
    unsigned char *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u32 s = 0, len = end - data;
    for (__u32 i = 0; i < len; i++) {
        if (data + i + 1 > end) break;
        s = s * 31 + data[i];
    }
    return (int)s;
}

/* Type-length-value records [type][len][len bytes]: the types' sum and the records' count. */
SEC("xdp")
int tlv(struct xdp_md *ctx) {
    unsigned char *p = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u32 s = 0, records = 0;
    while (p + 2 <= end) {
        __u8 l = p[1];
        if (p + 2 + l > end) break;
        s += p[0];
        records++;
        p += 2 + l;
    }
    return (int)(s * 1000 + records);
}

char LICENSE[] SEC("license") = "GPL";
