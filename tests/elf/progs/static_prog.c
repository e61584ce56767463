// libbpf 1.x loads static functions in program sections as programs too.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
__attribute__((used)) static int hidden_entry(struct xdp_md *ctx)
{
    return XDP_DROP;
}

SEC("xdp")
int visible_entry(struct xdp_md *ctx)
{
    return XDP_PASS;
}
