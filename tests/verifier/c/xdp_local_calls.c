// verdict: accept
// bpf-to-bpf calls: the callee parses through pointers its caller proved.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__attribute__((noinline)) static int checksum(const unsigned char *p, int n) {
    int s = 0;
    for (int i = 0; i < n && i < 16; i++) s += p[i];
    return s;
}

__attribute__((noinline)) static int first_bytes(struct xdp_md *ctx) {
    unsigned char *data = (void *)(long)ctx->data;
    unsigned char *end = (void *)(long)ctx->data_end;
    unsigned char buf[16] = {};
    if (data + 16 > end) return 0;
    __builtin_memcpy(buf, data, 16);
    return checksum(buf, 16);
}

SEC("xdp")
int calls(struct xdp_md *ctx) {
    return first_bytes(ctx) > 100 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
