// verdict: reject packet out of bounds
// Unsafe twins of xdp_packet_loops.c's tlv.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

// The byte after the record: p + 2 + l was checked, p[2 + l] is one past it.
SEC("xdp")
int tlv_past_record(struct xdp_md *ctx) {
    unsigned char *p = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u64 s = 0;
    while (p + 2 <= end) { __u8 l = p[1]; if (p + 2 + l > end) break; s += p[2 + l]; p += 2 + l; } // REJECT
    return s & 1 ? XDP_PASS : XDP_DROP;
}

// The stride from the data is never checked: the next record's bytes are read unchecked.
SEC("xdp")
int tlv_unchecked_stride(struct xdp_md *ctx) {
    unsigned char *p = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u64 s = 0;
    while (p + 2 <= end) { __u8 l = p[1]; s += p[0]; p += 2 + l; s += p[0]; } // REJECT
    return s & 1 ? XDP_PASS : XDP_DROP;
}

// Correct for 5000 records, then the byte after the record: beyond what the walk
// enumerates, so the loop pass must see it (with p[1] for p[2 + l] it accepts).
SEC("xdp")
int tlv_late(struct xdp_md *ctx) {
    unsigned char *p = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u64 s = 0;
    for (__u32 n = 0; p + 2 <= end; n++) { __u8 l = p[1]; if (p + 2 + l > end) break; s += n > 5000 ? p[2 + l] : p[0]; p += 2 + l; } // REJECT
    return s & 1 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
