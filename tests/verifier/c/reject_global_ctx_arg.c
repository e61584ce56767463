// verdict: reject helper argument
// The prototype asks for the ctx; the caller passes a number: "Caller passes invalid args".
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__attribute__((noinline)) int queue_of(struct xdp_md *ctx) {
    return ctx->rx_queue_index;
}

SEC("xdp")
int global_ctx_arg(struct xdp_md *ctx) {
    unsigned long fake = ctx->ingress_ifindex;
    return queue_of((struct xdp_md *)fake) ? XDP_DROP : XDP_PASS; // REJECT
}

char LICENSE[] SEC("license") = "GPL";
