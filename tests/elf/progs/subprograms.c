// Programs that call subprograms in .text: a shared static helper, a global one, a
// chain of calls, and a callback passed to bpf_loop (LDDW src 4, function pointer).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

static __attribute__((noinline)) int add3(int x)
{
    return x + 3;
}

__attribute__((noinline)) int twice_plus3(int x)
{
    return add3(x) * 2;
}

static __attribute__((noinline)) int unused_helper(int x)
{
    return x * 17;
}

static int loop_body(__u32 index, void *data)
{
    *(int *)data += index;
    return 0;
}

SEC("xdp")
int calls_chain(struct xdp_md *ctx)
{
    return twice_plus3(ctx->rx_queue_index);
}

SEC("xdp")
int calls_direct(struct xdp_md *ctx)
{
    return add3(ctx->ingress_ifindex);
}

SEC("tc")
int calls_loop(struct __sk_buff *skb)
{
    int sum = 0;
    bpf_loop(4, loop_body, &sum, 0);
    return sum;
}

int keep_unused(int x) { return unused_helper(x); }
