// xdp-tools style (xdp_monitor, xdp_redirect_*): a map declared without max_entries, which
// userspace sizes before load (libbpf's bpf_map__set_max_entries), next to one declared
// with a size that userspace may change as well.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
} rx_cnt SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 8);
} seen SEC(".maps");

__u64 packets = 0;

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int count_rx(struct xdp_md *ctx)
{
    __u32 key = ctx->rx_queue_index;
    __u64 *v = bpf_map_lookup_elem(&rx_cnt, &key);
    if (v)
        *v += 1;
    packets++;
    return XDP_PASS;
}
