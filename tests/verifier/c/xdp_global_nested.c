// verdict: accept
// Global functions calling a static function that calls a global one: each global function
// is verified once on its own (the kernel: 85 processed, as here), the static one inline.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct acc { __u32 sum; __u32 n; };
__attribute__((noinline)) int leaf(struct xdp_md *ctx, struct acc *a) {
    unsigned char *d = (void *)(long)ctx->data, *e = (void *)(long)ctx->data_end;
    if (!a) return 0;
    if (a->n > 32) return 0;
    if (d + a->n + 1 > e) return 0;
    a->sum += d[a->n]; a->n++;
    return 1;
}
static __attribute__((noinline)) int twice(struct xdp_md *ctx, struct acc *a) {
    return leaf(ctx, a) + leaf(ctx, a);
}
__attribute__((noinline)) int four(struct xdp_md *ctx, struct acc *a) {
    if (!a) return 0;
    return twice(ctx, a) + twice(ctx, a);
}
SEC("xdp")
int nested(struct xdp_md *ctx) {
    struct acc a = {0, 0};
    int r = four(ctx, &a) + four(ctx, &a) + twice(ctx, &a);
    return (a.sum + r) & 3;
}
char LICENSE[] SEC("license") = "GPL";
