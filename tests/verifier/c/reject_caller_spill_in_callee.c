// verdict: reject packet out of bounds
// As reject_caller_slot_in_callee.c, but the callee reaches the caller's offset through a
// pointer its caller stored in the struct it hands over (a spilled stack pointer, loaded
// back through the argument): what it reads through that pointer is not an offset from
// its argument, so every slot of the caller it may lead to stays live at the shared block
// (stack_liveness.cpp: a load through an argument that may meet a spill is "some stack
// pointer"), and the path with offset 100 is not pruned there.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct holder {
    __u64 *off;
};

volatile __u64 spill_uses = 0;

static __attribute__((noinline)) int use_held_offset(struct xdp_md *ctx, struct holder *h) {
    __u64 *off = *(__u64 *volatile *)&h->off;
    __u32 q = ctx->rx_queue_index;
    if (q == 1)
        *off = 100;
    else
        *off = 10;
    spill_uses += 1;
    if (spill_uses > 4) spill_uses += 2;
    if (spill_uses > 8) spill_uses += 3;
    __u8 *data = (void *)(long)ctx->data;
    if ((void *)(data + 64) > (void *)(long)ctx->data_end) return 0;
    return data[*(volatile __u64 *)off]; // REJECT
}

SEC("xdp")
int caller_spill_in_callee(struct xdp_md *ctx) {
    __u64 off = 0;
    struct holder h = {&off};
    return use_held_offset(ctx, &h) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
