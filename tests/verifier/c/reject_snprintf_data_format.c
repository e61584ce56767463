// verdict: reject helper argument
// bpf_snprintf with its format in writable .data: the kernel wants a read-only string.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char fmt[8] = "len %u";

SEC("xdp")
int format_writable(struct xdp_md *ctx) {
    char out[32];
    __u64 args[1] = {ctx->data_end - ctx->data};
    long n = bpf_snprintf(out, sizeof(out), fmt, args, sizeof(args)); // REJECT: fmt is not read-only
    return n > 0 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
