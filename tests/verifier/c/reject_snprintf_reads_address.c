// verdict: reject helper argument
// bpf_snprintf's %s reads a string at whatever address its argument holds: with a number
// from the packet, any byte of the host process comes back in `out`. The kernel gives
// bpf_snprintf only with CAP_PERFMON; by default (no allow_ptr_leaks) such a format is refused.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static const char fmt[] = "%s";

SEC("xdp")
int read_anywhere(struct xdp_md *ctx) {
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    if (data + 8 > end) return XDP_DROP;
    char out[32];
    __u64 args[1] = {*(__u64 *)data};
    long n = bpf_snprintf(out, sizeof(out), fmt, args, sizeof(args)); // REJECT: %s reads the address in args[0]
    return n > 1 && out[0] == 'x' ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
