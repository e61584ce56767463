// A call to a function defined nowhere in the object: a relocation to an unknown symbol.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int defined_elsewhere(int x);

SEC("xdp")
int calls_missing(struct xdp_md *ctx)
{
    return defined_elsewhere(ctx->rx_queue_index);
}
