// A CO-RE field access (preserve_access_index): the loader must refuse it by name.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct remote_hdr {
    __u32 first;
    __u32 second;
} __attribute__((preserve_access_index));

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int plain_prog(struct xdp_md *ctx)
{
    return XDP_PASS;
}

SEC("xdp")
int core_prog(struct xdp_md *ctx)
{
    struct remote_hdr *h = (void *)(long)ctx->data;
    __u32 v = 0;
    bpf_probe_read_kernel(&v, sizeof(v), &h->second);
    return v;
}
