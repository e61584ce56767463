// verdict: accept
// Global variables (.data / .rodata / .bss) read and written directly.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

volatile __u64 packets = 0;
const volatile __u32 threshold = 100;
__u64 bytes_seen;

SEC("xdp")
int globals(struct xdp_md *ctx) {
    packets++;
    bytes_seen += ctx->data_end - ctx->data;
    return packets > threshold ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
