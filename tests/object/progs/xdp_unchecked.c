// Reads the packet without comparing against data_end: the verifier must reject it at
// full, naming the instruction; at structural level the interpreter still stops the
// out-of-bounds read.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int unchecked(struct xdp_md *ctx)
{
    unsigned char *data = (void *)(long)ctx->data;
    return data[5000] == 1 ? XDP_DROP : XDP_PASS;
}
