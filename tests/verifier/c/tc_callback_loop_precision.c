// verdict: accept
// Precision after a bpf_loop callback's loop-head prune (reduced from dae's tproxy
// programs; our own code). An extension-header style loop walks the packet with
// bpf_skb_load_bytes at an offset that grows each trip; each trip may leave the loop for
// one shared tail, which calls a function running bpf_loop; the callback's iterations
// reach the state of an earlier one at the helper call (pruned there while that state is
// still being explored). The offset stays live across the call but only ever feeds
// bpf_skb_load_bytes (any value is safe there): nothing needs it precise, so the kernel
// prunes the tail after the loop's first exit whatever the offset. ebpfjit used to make
// every scalar of the path's checkpoints since the helper call precise, the caller's
// offset included, and a sibling path pruned against one of them carried that back before
// the call: the tail was walked again for each exit's offset range.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __u32);
} routes SEC(".maps");

struct lctx {
    __u32 key;
    __u32 found;
};

static long route_cb(__u32 idx, void *data)
{
    struct lctx *c = data;
    __u32 k = c->key;
    if (idx & 1) /* ways to the lookup: later ones are pruned at the first's state */
        k ^= 1;
    if (idx & 2)
        k ^= 2;
    __u32 *v = bpf_map_lookup_elem(&routes, &k);
    if (!v)
        return 0;
    if (*v == idx) {
        c->found = 1;
        return 1;
    }
    return 0;
}

static __attribute__((noinline)) int route(__u32 key)
{
    struct lctx c = {.key = key, .found = 0};
    bpf_loop(16, route_cb, &c, 0);
    return c.found;
}

SEC("tc")
int callback_loop_precision(struct __sk_buff *skb)
{
    __u32 off = 54;
    __u8 nh = 0, len = 0;
    __u32 x = 0;
    if (bpf_skb_load_bytes(skb, 20, &nh, 1))
        return 0;
#pragma clang loop unroll(disable)
    for (int i = 0; i < 8; i++) {
        if (nh != 0 && nh != 43 && nh != 60)
            break;
        if (bpf_skb_load_bytes(skb, off, &nh, 1))
            return 0;
        if (bpf_skb_load_bytes(skb, off + 1, &len, 1))
            return 0;
        off += (len + 1) * 8;
    }
    if (nh == 0 || nh == 43 || nh == 60)
        return 0;
    if (bpf_skb_load_bytes(skb, off, &x, 4))
        return 0;
    int r = 1;
    if (nh == 6)
        r = route(x);
    else if (nh == 17)
        r = route(x + 1) + 2;
    if (bpf_skb_load_bytes(skb, off + 4, &x, 4)) /* the offset stays live across the calls */
        return 0;
    return r;
}

char _license[] SEC("license") = "GPL";
