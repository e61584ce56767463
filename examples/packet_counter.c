// SPDX-License-Identifier: GPL-2.0
// packet_counter: counts every frame and its bytes, and passes it on.
// One ARRAY slot updated with atomic adds, so many worker threads may share it.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct traffic {
    __u64 packets;
    __u64 bytes;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct traffic);
} totals SEC(".maps");

SEC("xdp")
int packet_counter(struct xdp_md *ctx)
{
    __u32 zero = 0;
    struct traffic *t = bpf_map_lookup_elem(&totals, &zero);

    if (t) {
        __sync_fetch_and_add(&t->packets, 1);
        __sync_fetch_and_add(&t->bytes, ctx->data_end - ctx->data);
    }
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
