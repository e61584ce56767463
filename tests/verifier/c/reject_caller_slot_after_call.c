// verdict: reject packet out of bounds
// A callee records a packet offset in its caller's stack struct: 10 on the path walked first,
// 100 (beyond the 64 bytes the caller checks) on the other, and both paths go on through one
// shared block and return 0. The caller reads the offset after the return and indexes the packet
// with it: the caller's slot is live at the shared block, so the second path must not be
// pruned against the first (stack_liveness.hpp live_after_return), however the constant
// returns narrow the caller's continuation (a failure returning -1 leaves 200 there, which
// the caller never reads).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct offsets {
    __u64 off;
};

volatile __u64 picks = 0;

static __attribute__((noinline)) int pick_offset(struct xdp_md *ctx, struct offsets *o) {
    __u32 q = ctx->rx_queue_index;
    if (q == 7) {
        o->off = 200;
        return -1;
    }
    if (q == 1)
        o->off = 100;
    else
        o->off = 10;
    picks += 1;
    if (picks > 4) picks += 2;
    if (picks > 8) picks += 3;
    return 0;
}

SEC("xdp")
int caller_slot_after_call(struct xdp_md *ctx) {
    struct offsets o = {};
    if (pick_offset(ctx, &o)) return XDP_PASS;
    __u8 *data = (void *)(long)ctx->data;
    if ((void *)(data + 64) > (void *)(long)ctx->data_end) return XDP_PASS;
    return data[o.off]; // REJECT
}

char LICENSE[] SEC("license") = "GPL";
