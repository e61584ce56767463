// verdict: accept
// Per-source-address counters in a hash map: lookup, insert on miss.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, __u32);
    __type(value, __u64);
} by_source SEC(".maps");

SEC("xdp")
int count_sources(struct xdp_md *ctx) {
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > end) return XDP_PASS;
    if (eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
    __u32 key = ip->saddr;
    __u64 *v = bpf_map_lookup_elem(&by_source, &key);
    if (v) {
        __sync_fetch_and_add(v, 1);
    } else {
        __u64 one = 1;
        bpf_map_update_elem(&by_source, &key, &one, BPF_NOEXIST);
    }
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
