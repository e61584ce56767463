// One program per zero-copy burst plan (runtime/xdp_burst_plan.hpp), for the test that
// runs each through its own loop, the general loop and the interpreter
// (tests/object/xdp_burst_plan_test.cpp); xdp_adjust.c's `adjust` is the plan that writes
// the bounds back.
//   nothing        returns XDP_PASS and reads nothing of the frame (plan none)
//   reads_packet   reads ctx->data and ctx->data_end (plan packet): returns the packet's
//                  first byte, so every verdict and unknown values come out
//   reads_every    reads every ctx field of a plain XDP program (plan frame) and writes what
//                  it saw into the packet: ingress, rx queue, length, the first metadata word
//   redirects      bpf_redirect to the port in byte 1 when byte 0 is 1, else returns byte 0
//                  (its helper writes the run state: not lean, the scoped loop)
//   loops          byte 0 trips of a loop over a stack counter (plan packet, code that
//                  reads its RunStatus: the stack, and an instruction budget if one is set)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int nothing(struct xdp_md *ctx)
{
    return XDP_PASS;
}

SEC("xdp")
int reads_packet(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    if (data + 1 > end)
        return XDP_ABORTED;
    return *(__u8 *)data;
}

SEC("xdp")
int reads_every(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    void *meta = (void *)(long)ctx->data_meta;
    if (data + 16 > end)
        return XDP_DROP;
    __u32 *out = data;
    out[0] = ctx->ingress_ifindex;
    out[1] = ctx->rx_queue_index;
    out[2] = (__u32)(end - data);
    if (meta + 4 <= data)
        out[3] = *(__u32 *)meta;
    else
        out[3] = 0xFFFFFFFF;
    return XDP_TX;
}

SEC("xdp")
int redirects(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    if (data + 2 > end)
        return XDP_ABORTED;
    __u8 *p = data;
    if (p[0] == 1)
        return bpf_redirect(p[1], 0);
    return p[0];
}

SEC("xdp")
int loops(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    if (data + 1 > end)
        return XDP_ABORTED;
    __u8 n = *(__u8 *)data;
    volatile __u32 sum = 0; /* on the stack, and kept a loop */
    for (__u32 i = 0; i < n; i++)
        sum += i;
    return sum & 1 ? XDP_PASS : XDP_DROP;
}
