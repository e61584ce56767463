// verdict: reject helper argument
// A packet pointer passed as a global function's memory argument, to a function that moves
// the packet's head: in its own walk the argument is plain memory, which the move would not
// invalidate, so the call is refused (walked inline, the pointer would die at the move).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct hdr {
    __u8 bytes[4];
};

__attribute__((noinline)) int pop_and_mark(struct xdp_md *ctx, struct hdr *h) {
    if (!h) return 0;
    if (bpf_xdp_adjust_head(ctx, 4)) return 0;
    h->bytes[0] = 1;
    return 1;
}

SEC("xdp")
int global_packet_arg_moved(struct xdp_md *ctx) {
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    if (data + sizeof(struct hdr) > end) return XDP_PASS;
    return pop_and_mark(ctx, data) ? XDP_DROP : XDP_PASS; // REJECT
}

char LICENSE[] SEC("license") = "GPL";
