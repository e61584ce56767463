// verdict: accept
// A non-inlined parser records header pointers in its caller's stack struct, and its
// failures share one exit block (as kmesh's construct_tuple_key). The failures reach that
// block with different struct contents, which nothing reads again: the caller returns at
// once on a failure (caller_struct_error_exit: it reads the struct only when the parser
// returns 0; caller_struct_unread: never). stack_liveness_test.cpp holds each program to
// the processed count of Linux 6.18, whose stack liveness covers the caller's frame.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct caller_info {
    void *l3;
    void *l4;
};

volatile __u32 caller_log_level = 0;
volatile __u64 caller_errors = 0;

// The shared failure block: long enough that walking it once per failure shows.
#define FAILURE_BLOCK()                                  \
    do {                                                 \
        caller_errors += 1;                              \
        if (caller_log_level > 0) caller_errors += 2;    \
        if (caller_log_level > 1) caller_errors += 3;    \
        if (caller_log_level > 2) caller_errors += 4;    \
        if (caller_log_level > 3) caller_errors += 5;    \
        if (caller_log_level > 4) caller_errors += 6;    \
    } while (0)

static __attribute__((noinline)) int caller_parse(struct xdp_md *ctx, struct caller_info *in) {
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    if (data + 14 > end) goto err;
    in->l3 = data + 14;
    __u8 v = *(__u8 *)data;
    if (v == 4) {
        if (data + 34 > end) goto err;
        in->l4 = data + 34;
    } else if (v == 6) {
        if (data + 54 > end) goto err;
        in->l4 = data + 54;
    } else {
        goto err;
    }
    if (in->l4 + 20 > end) goto err;
    return 0;
err:
    FAILURE_BLOCK();
    return -1;
}

SEC("xdp")
int caller_struct_error_exit(struct xdp_md *ctx) {
    struct caller_info in = {};
    if (caller_parse(ctx, &in)) return XDP_PASS;
    __u8 *p = in.l4;
    if ((void *)(p + 1) > (void *)(long)ctx->data_end) return XDP_PASS;
    return (*p & 1) ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int caller_struct_unread(struct xdp_md *ctx) {
    struct caller_info in = {};
    if (caller_parse(ctx, &in)) return XDP_PASS;
    return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
