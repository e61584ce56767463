// Several programs in one section (selected by symbol name), plus a tail-call
// dispatcher whose prog array is filled declaratively (`.values = { [i] = &prog }`).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int stage_pass(struct xdp_md *ctx)
{
    return XDP_PASS;
}

SEC("xdp")
int stage_drop(struct xdp_md *ctx)
{
    return XDP_DROP;
}

SEC("xdp/devmap")
int stage_tx(struct xdp_md *ctx)
{
    return XDP_TX;
}

int dispatch(struct xdp_md *ctx);

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 4);
    __uint(key_size, sizeof(__u32));
    __array(values, int(void *));
} jump_table SEC(".maps") = {
    .values = {
        [0] = (void *)&stage_pass,
        [1] = (void *)&stage_drop,
        [3] = (void *)&stage_tx,
    },
};

SEC("xdp")
int dispatch(struct xdp_md *ctx)
{
    bpf_tail_call(ctx, &jump_table, ctx->rx_queue_index & 3);
    return XDP_ABORTED;
}

SEC("socket")
int sock_a(struct __sk_buff *skb) { return 0; }

SEC("classifier")
int cls_a(struct __sk_buff *skb) { return 1; }
