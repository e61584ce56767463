// verdict: reject map value out of bounds
// Index checked against the wrong bound (<= instead of <).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct entry { __u32 slots[8]; };

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct entry);
} table SEC(".maps");

SEC("xdp")
int off_by_one(struct xdp_md *ctx) {
    __u32 k = 0;
    struct entry *e = bpf_map_lookup_elem(&table, &k);
    if (!e) return XDP_PASS;
    __u32 i = ctx->rx_queue_index;
    if (i <= 8) return e->slots[i]; // REJECT
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
