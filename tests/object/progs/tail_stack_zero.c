// A tail call does not hand the caller's stack data to a target that reads stack bytes it
// never wrote: the verifier accepts such reads (kernel privileged semantics) because the
// target's entry zeroes those bytes (Facts::stack_zero), on the JIT and the interpreter.
// `caller` fills fp-64..fp-40 and tail-calls `reader`, which returns XDP_PASS if it reads
// 0 there and XDP_DROP if it sees the caller's bytes. (Inline assembly: in C, reading an
// uninitialised variable is undefined and clang would fold it away.)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int reader(struct xdp_md *ctx)
{
    __u64 a, b, c;
    asm volatile("%0 = *(u64 *)(r10 - 64)" : "=r"(a));
    asm volatile("%0 = *(u64 *)(r10 - 56)" : "=r"(b));
    asm volatile("%0 = *(u64 *)(r10 - 48)" : "=r"(c));
    return (a | b | c) == 0 ? XDP_PASS : XDP_DROP;
}

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 1);
    __uint(key_size, sizeof(__u32));
    __array(values, int(void *));
} next SEC(".maps") = {
    .values = {[0] = (void *)&reader},
};

SEC("xdp")
int caller(struct xdp_md *ctx)
{
    __u64 junk = 0x5a5a5a5a5a5a5a5aULL;
    asm volatile("*(u64 *)(r10 - 64) = %0" ::"r"(junk));
    asm volatile("*(u64 *)(r10 - 56) = %0" ::"r"(junk));
    asm volatile("*(u64 *)(r10 - 48) = %0" ::"r"(junk));
    bpf_tail_call(ctx, &next, 0);
    return XDP_ABORTED; // the tail call must not fall through
}
