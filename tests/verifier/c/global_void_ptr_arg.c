// verdict: accept
// A global function taking void *: a prototype the kernel does not support ("size cannot
// be determined"); ebpfjit walks it inline at each call instead (and says so at log level 1).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__attribute__((noinline)) int first_word(void *p) {
    return p ? *(__u32 *)p : 0;
}

SEC("xdp")
int global_void_ptr_arg(struct xdp_md *ctx) {
    __u32 words[2] = {ctx->rx_queue_index, 5};
    return first_word(words) + first_word(&words[1]) > 6 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
