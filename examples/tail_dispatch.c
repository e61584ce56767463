// SPDX-License-Identifier: GPL-2.0
// tail_dispatch: a dispatcher that tail-calls one handler per L3 protocol through a
// PROG_ARRAY filled declaratively (libbpf's `.values = { [i] = &prog }`).
//
//   dispatch ──ethertype──► handlers[CLASS_IPV4] = handle_ipv4  → XDP_PASS
//                       └─► handlers[CLASS_IPV6] = handle_ipv6  → XDP_DROP
//                       └─► handlers[CLASS_ARP]  (left empty: the tail call fails and
//                           dispatch goes on)                     → XDP_PASS
//                       └─► anything else / runt frame: no call   → XDP_PASS
// hits[class] counts where each frame ended; hits[CLASS_FALLTHROUGH] counts failed calls.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

enum frame_class {
    CLASS_IPV4 = 0,
    CLASS_IPV6 = 1,
    CLASS_ARP = 2,
    CLASS_FALLTHROUGH = 3,
    CLASS_OTHER = 4,
    CLASS_COUNT = 5,
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, CLASS_COUNT);
    __type(key, __u32);
    __type(value, __u64);
} hits SEC(".maps");

int handle_ipv4(struct xdp_md *ctx);
int handle_ipv6(struct xdp_md *ctx);

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 4);
    __uint(key_size, sizeof(__u32));
    __array(values, int(struct xdp_md *));
} handlers SEC(".maps") = {
    .values = {
        [CLASS_IPV4] = (void *)&handle_ipv4,
        [CLASS_IPV6] = (void *)&handle_ipv6,
    },
};

static __always_inline void hit(__u32 class)
{
    __u64 *count = bpf_map_lookup_elem(&hits, &class);
    if (count)
        __sync_fetch_and_add(count, 1);
}

SEC("xdp")
int handle_ipv4(struct xdp_md *ctx)
{
    hit(CLASS_IPV4);
    return XDP_PASS;
}

SEC("xdp")
int handle_ipv6(struct xdp_md *ctx)
{
    hit(CLASS_IPV6);
    return XDP_DROP;
}

SEC("xdp")
int dispatch(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    __u32 class;

    if ((void *)(eth + 1) > data_end) {
        hit(CLASS_OTHER);
        return XDP_PASS;
    }
    switch (bpf_ntohs(eth->h_proto)) {
    case ETH_P_IP: class = CLASS_IPV4; break;
    case ETH_P_IPV6: class = CLASS_IPV6; break;
    case ETH_P_ARP: class = CLASS_ARP; break;
    default:
        hit(CLASS_OTHER);
        return XDP_PASS;
    }
    bpf_tail_call(ctx, &handlers, class);
    hit(CLASS_FALLTHROUGH);
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
