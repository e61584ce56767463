// verdict: reject stack out of bounds
// The prototype's pointee has 8 bytes; the caller passes a 4-byte stack variable.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct pair {
    __u32 a;
    __u32 b;
};

__attribute__((noinline)) int fill(struct pair *p) {
    if (!p) return 0;
    p->a = 1;
    p->b = 2;
    return 1;
}

SEC("xdp")
int global_short_buffer(struct xdp_md *ctx) {
    __u32 small = ctx->rx_queue_index;
    fill((struct pair *)&small); // REJECT
    return small & 1 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
