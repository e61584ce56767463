// verdict: accept
// Global functions whose prototypes the kernel does not support: one takes void * ("size
// cannot be determined"), one returns a pointer ("doesn't return scalar"). ebpfjit walks
// them inline at each call instead (and says so at log level 1).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__attribute__((noinline)) int first_word(void *p) {
    return p ? *(__u32 *)p : 0;
}

__attribute__((noinline)) __u32 *larger(__u32 *a, __u32 *b) {
    if (!a || !b) return a;
    return *a > *b ? a : b;
}

SEC("xdp")
int global_void_ptr_arg(struct xdp_md *ctx) {
    __u32 words[2] = {ctx->rx_queue_index, 5};
    __u32 *big = larger(&words[0], &words[1]);
    return first_word(words) + first_word(&words[1]) + *big > 6 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
