// verdict: accept
// A non-inlined handler reads one field of its caller's config struct through the pointer
// it is given (as gtp-guard's gtp_fwd_main hands `&cfg` to its forwarding routine), while
// the caller's other stack bytes (a lookup key built differently on each path) differ
// between the paths that reach it. Nothing reads those bytes again: at the handler's
// checkpoints only the field read through the pointer is live in the caller's frame
// (stack_liveness.hpp reads_through_args), so the paths prune, as in Linux 6.18.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct fwd_cfg {
    __u32 flags;
    __u32 ifindex;
    void *l4; // a packet pointer on some paths: a spill the handler never reads
};

struct fwd_key {
    __u32 a, b, c, d;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 64);
    __type(key, struct fwd_key);
    __type(value, __u64);
} fwd_seen SEC(".maps");

volatile __u64 fwd_stats = 0;
volatile __u32 fwd_level = 0;

static __attribute__((noinline)) int fwd_apply(struct xdp_md *ctx, struct fwd_cfg *cfg) {
    __u32 flags = cfg->flags;
    fwd_stats += 1;
    if (fwd_level > 0) fwd_stats += 2;
    if (fwd_level > 1) fwd_stats += 3;
    if (fwd_level > 2) fwd_stats += 4;
    if (fwd_level > 3) fwd_stats += 5;
    if (fwd_level > 4) fwd_stats += 6;
    if (fwd_level > 5) fwd_stats += 7;
    if (fwd_level > 6) fwd_stats += 8;
    if (fwd_level > 7) fwd_stats += 9;
    if (fwd_level > 8) fwd_stats += 10;
    if (fwd_level > 9) fwd_stats += 11;
    if (fwd_level > 10) fwd_stats += 12;
    if (flags & 1) return XDP_DROP;
    return XDP_PASS;
}

SEC("xdp")
int caller_cfg_field_read(struct xdp_md *ctx) {
    struct fwd_cfg cfg = {};
    __u8 *data = (void *)(long)ctx->data;
    if ((void *)(data + 4) > (void *)(long)ctx->data_end) return XDP_ABORTED;
    if (data[0] == 1) cfg.l4 = data + 1;
    else if (data[0] == 2) cfg.l4 = data + 2;
    else if (data[0] == 3) cfg.ifindex = 3;
    if (data[1] == 7) cfg.l4 = data + 3;
    else if (data[1] == 8) cfg.ifindex = 8;
    cfg.flags = data[2];
    return fwd_apply(ctx, &cfg);
}

char LICENSE[] SEC("license") = "GPL";
