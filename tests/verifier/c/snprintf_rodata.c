// verdict: accept
// bpf_snprintf with its format in .rodata (a frozen BPF_F_RDONLY_PROG map).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static const char fmt[] = "len %u";

SEC("xdp")
int format_len(struct xdp_md *ctx) {
    char out[32];
    __u64 args[1] = {ctx->data_end - ctx->data};
    long n = bpf_snprintf(out, sizeof(out), fmt, args, sizeof(args));
    return n > 0 && out[0] == 'l' ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
