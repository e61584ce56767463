// verdict: reject complexity limit (require_termination_proof)
// A loop bounded only by packet contents the verifier cannot bound.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int forever(struct xdp_md *ctx) {
    volatile __u64 n = ctx->ingress_ifindex;
    __u64 x = 0;
    for (__u64 i = 0; i < n * 1000000000ULL; i++) x += i; // REJECT
    return x & 1;
}

char LICENSE[] SEC("license") = "GPL";
