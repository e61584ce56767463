/* The two programs of bench_xdp_burst, loaded unchanged by ebpfjit and by the kernel:
 *   xdp_pass     returns XDP_PASS: the floor of a packet's run
 *   flow_count   per IPv4/UDP flow: a hash-map lookup (inserting on a miss), two atomic
 *                adds on the flow's counters, a loop over a .rodata table of packet-size
 *                classes, an array-map lookup and an atomic add on the class's counter.
 * `const volatile` keeps the table in .rodata and read at run time (clang would fold a
 * plain const array into the code); the loop is kept a loop. Both pass the full verifier. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct flow_key {
    __u32 saddr;
    __u32 daddr;
    __u16 sport;
    __u16 dport;
    __u32 proto;
};

struct flow_stats {
    __u64 packets;
    __u64 bytes;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 4096);
    __type(key, struct flow_key);
    __type(value, struct flow_stats);
} flows SEC(".maps");

#define SIZE_CLASSES 8

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, SIZE_CLASSES);
    __type(key, __u32);
    __type(value, __u64);
} size_classes SEC(".maps");

const volatile __u32 class_limits[SIZE_CLASSES] = {64, 128, 256, 512, 1024, 1518, 4096, 65535};

SEC("xdp") int xdp_pass(struct xdp_md *ctx) { return XDP_PASS; }

SEC("xdp") int flow_count(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end)
        return XDP_DROP;
    if (eth->h_proto != bpf_htons(ETH_P_IP))
        return XDP_PASS;
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > end || ip->ihl != 5 || ip->protocol != IPPROTO_UDP)
        return XDP_PASS;
    struct udphdr *udp = (void *)(ip + 1);
    if ((void *)(udp + 1) > end)
        return XDP_DROP;

    struct flow_key key = {ip->saddr, ip->daddr, udp->source, udp->dest, ip->protocol};
    __u64 len = (__u64)(end - data);
    struct flow_stats *stats = bpf_map_lookup_elem(&flows, &key);
    if (!stats) {
        struct flow_stats first = {1, len};
        bpf_map_update_elem(&flows, &key, &first, BPF_NOEXIST);
        return XDP_PASS;
    }
    __sync_fetch_and_add(&stats->packets, 1);
    __sync_fetch_and_add(&stats->bytes, len);

    __u32 cls = SIZE_CLASSES - 1;
#pragma clang loop unroll(disable)
    for (__u32 i = 0; i < SIZE_CLASSES; i++) {
        if (len <= class_limits[i]) {
            cls = i;
            break;
        }
    }
    __u64 *count = bpf_map_lookup_elem(&size_classes, &cls);
    if (count)
        __sync_fetch_and_add(count, 1);
    return XDP_PASS;
}
