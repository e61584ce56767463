// verdict: accept
// A global function taking (ctx, struct *state), called several times: verified once on
// its own by its BTF prototype, as the kernel does; each call checks only the arguments.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct parse_state {
    __u32 offset;
    __u32 sum;
};

// Adds the byte at state->offset (if the packet holds it) and moves on by one.
__attribute__((noinline)) int add_byte(struct xdp_md *ctx, struct parse_state *st) {
    unsigned char *data = (void *)(long)ctx->data;
    unsigned char *end = (void *)(long)ctx->data_end;
    if (!st) return -1;
    __u32 off = st->offset;
    if (off > 64) return -1;
    if (data + off + 1 > end) return 0;
    st->sum = st->sum * 31 + data[off];
    st->offset = off + 1;
    return 1;
}

SEC("xdp")
int global_state(struct xdp_md *ctx) {
    struct parse_state st = {0, 7};
    int got = 0;
    got += add_byte(ctx, &st);
    got += add_byte(ctx, &st);
    got += add_byte(ctx, &st);
    got += add_byte(ctx, &st);
    got += add_byte(ctx, &st);
    got += add_byte(ctx, &st);
    if (got < 0) return XDP_ABORTED;
    return (st.sum + got) & 0xffff;
}

char LICENSE[] SEC("license") = "GPL";
