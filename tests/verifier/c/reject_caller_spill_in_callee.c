// verdict: reject packet out of bounds
// As reject_caller_slot_in_callee.c, but the callee reaches the caller's offset through a
// pointer its caller stored in the struct it hands over (a spilled stack pointer, loaded
// back through the argument). The load gives that pointer back as "the argument + 8" (the
// caller's slot held the offset's address at the call: stack_liveness.cpp ArgSpill), so
// the read through it keeps the caller's offset live at the shared block, and the path
// with offset 100 is not pruned there. Taken for a number, the load would read nothing.
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
