// verdict: reject packet out of bounds
// A callee stores a packet offset in its caller's stack struct, 10 on the path walked first
// and 100 (beyond the 64 bytes it checks) on the other, goes on through one shared block, then reads the
// offset back through its pointer and indexes the packet with it. The caller never reads
// the struct after the call, but the callee does: the caller's slot is live at the shared
// block (stack_liveness.hpp reads_through_args), so the second path must not be pruned there.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct offsets {
    __u64 off;
};

volatile __u64 uses = 0;

static __attribute__((noinline)) int use_offset(struct xdp_md *ctx, struct offsets *o) {
    __u32 q = ctx->rx_queue_index;
    if (q == 1)
        o->off = 100;
    else
        o->off = 10;
    uses += 1;
    if (uses > 4) uses += 2;
    if (uses > 8) uses += 3;
    __u8 *data = (void *)(long)ctx->data;
    if ((void *)(data + 64) > (void *)(long)ctx->data_end) return 0;
    return data[*(volatile __u64 *)&o->off]; // REJECT
}

SEC("xdp")
int caller_slot_in_callee(struct xdp_md *ctx) {
    struct offsets o = {};
    return use_offset(ctx, &o) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
