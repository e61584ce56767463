// A tail-call dispatcher: the entry program parses the Ethernet type and tail-calls a
// per-protocol stage through a prog array filled declaratively (`.values`). IPv4 frames
// bounce (MACs swapped, XDP_TX), IPv6 frames go to the DEVMAP port of their ingress
// interface, ARP has no stage (slot empty) and falls through to XDP_PASS.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

enum { STAGE_IPV4 = 0, STAGE_IPV6 = 1, STAGE_ARP = 2 };

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} stage_hits SEC(".maps"); // per stage (index 3: fell through)

struct {
    __uint(type, BPF_MAP_TYPE_DEVMAP);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u32);
} ports SEC(".maps");

static __always_inline void count(__u32 stage)
{
    __u64 *hits = bpf_map_lookup_elem(&stage_hits, &stage);
    if (hits)
        __sync_fetch_and_add(hits, 1);
}

SEC("xdp")
int stage_ipv4(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end)
        return XDP_ABORTED;
    unsigned char tmp[ETH_ALEN];
    __builtin_memcpy(tmp, eth->h_dest, ETH_ALEN);
    __builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
    __builtin_memcpy(eth->h_source, tmp, ETH_ALEN);
    count(STAGE_IPV4);
    return XDP_TX;
}

SEC("xdp")
int stage_ipv6(struct xdp_md *ctx)
{
    count(STAGE_IPV6);
    return bpf_redirect_map(&ports, ctx->ingress_ifindex, XDP_DROP);
}

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 4);
    __uint(key_size, sizeof(__u32));
    __array(values, int(void *));
} stages SEC(".maps") = {
    .values = {
        [STAGE_IPV4] = (void *)&stage_ipv4,
        [STAGE_IPV6] = (void *)&stage_ipv6,
    },
};

SEC("xdp")
int dispatch(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end)
        return XDP_DROP;
    switch (eth->h_proto) {
    case bpf_htons(ETH_P_IP):
        bpf_tail_call(ctx, &stages, STAGE_IPV4);
        break;
    case bpf_htons(ETH_P_IPV6):
        bpf_tail_call(ctx, &stages, STAGE_IPV6);
        break;
    case bpf_htons(ETH_P_ARP):
        bpf_tail_call(ctx, &stages, STAGE_ARP);
        break;
    }
    count(3);
    return XDP_PASS;
}
