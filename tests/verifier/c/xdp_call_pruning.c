// verdict: accept
// Paths that meet at a call to a static subprogram (pruning_parity_test.cpp holds the
// program to the kernel's count): as Vinbero's plugins reach their shared exit helper.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 call_counters[8];

// Straight-line work before its first branch: a path not pruned at the entry walks it all.
static __attribute__((noinline)) int call_tail(struct xdp_md *ctx, int action) {
    __u64 len = ctx->data_end - ctx->data;
#pragma clang loop unroll(full)
    for (int i = 0; i < 16; i++)
        len = len * 31 + call_counters[i & 7];
    call_counters[action & 7] += len;
    if (action == XDP_DROP)
        call_counters[7]++;
    return action;
}

// r3 is no argument of call_tail, but a bpf-to-bpf call counts r1-r5 as read: live at the
// call, dead at the callee's entry.
#define LEAVE(off)                                                                                 \
    do {                                                                                           \
        asm volatile("r3 = %[p]" ::[p] "r"(data + (off)) : "r3");                                  \
        goto out;                                                                                  \
    } while (0)

// Eight paths reach the call with a different packet pointer left in r3: the kernel
// prunes them at the callee's first insn (visit_func_call_insn marks it), not at its
// first branch.
SEC("xdp")
int call_entry(struct xdp_md *ctx) {
    unsigned char *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    if (data + 64 > (unsigned char *)end)
        return XDP_PASS;
#pragma clang loop unroll(full)
    for (int i = 0; i < 8; i++)
        if (data[i] == 0x42)
            LEAVE(i + 1);
    asm volatile("r3 = 0" ::: "r3");
out:
    return call_tail(ctx, ctx->rx_queue_index & 3);
}

char LICENSE[] SEC("license") = "GPL";
