// verdict: accept
// Bounded loop over the first 32 payload bytes, each access range-checked.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int loop_sum(struct xdp_md *ctx) {
    unsigned char *data = (void *)(long)ctx->data;
    unsigned char *end = (void *)(long)ctx->data_end;
    __u32 sum = 0;
    for (int i = 0; i < 32; i++) {
        if (data + i + 1 > end) break;
        sum += data[i];
    }
    return sum & 1 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
