// verdict: accept
// Variable-offset packet access after a range check (an option list walk).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int var_offset(struct xdp_md *ctx) {
    unsigned char *data = (void *)(long)ctx->data;
    unsigned char *end = (void *)(long)ctx->data_end;
    if (data + 1 > end) return XDP_DROP;
    __u32 off = data[0] & 0x3f;
    unsigned char *p = data + off;
    if (p + 4 > end) return XDP_DROP;
    return *(__u32 *)p == 0 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
