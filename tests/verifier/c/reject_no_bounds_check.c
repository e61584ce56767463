// verdict: reject packet out of bounds
// Reads the ethertype after checking only 12 bytes.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int short_check(struct xdp_md *ctx) {
    unsigned char *data = (void *)(long)ctx->data;
    unsigned char *end = (void *)(long)ctx->data_end;
    if (data + 12 > end) return XDP_DROP;
    return *(__u16 *)(data + 12) == 8 ? XDP_PASS : XDP_DROP; // REJECT
}

char LICENSE[] SEC("license") = "GPL";
