// verdict: reject null pointer dereference
// A global function that reads its memory argument without a NULL check has no proof of
// its own (the kernel rejects it there); walked inline instead, the call that passes NULL
// reaches the read.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct counter {
    __u64 n;
};

__attribute__((noinline)) int bump(struct counter *c) {
    c->n += 1; // REJECT
    return 0;
}

SEC("xdp")
int global_null_deref(struct xdp_md *ctx) {
    struct counter c = {0};
    bump(&c);
    if (ctx->rx_queue_index == 3) bump(0);
    return c.n & 1 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
