// verdict: accept
// A byte scan over up to 60 payload bytes with two flags and a hash left uninitialised until
// a key starts, and a per-CPU stats value kept on the stack (bmc-cache's
// bmc_invalidate_cache_main has this shape; our own code). Each trip reaches the loop head
// in ~12 live states; while the walk is inside the loop its checkpoints there are still
// being explored, and the miss rule must not drop them before they can be compared with
// (pruning_parity_test: 206,980 processed when it did, Linux 6.18 24,813).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef MAXLEN
#define MAXLEN 60
#endif

struct entry {
    char valid;
};
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, struct entry);
    __uint(max_entries, 1024);
} scan_cache SEC(".maps");

struct scan_stats {
    __u64 set_recv, inval;
};
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, __u32);
    __type(value, struct scan_stats);
    __uint(max_entries, 1);
} scan_st SEC(".maps");

SEC("xdp")
int byte_scan_flags(struct xdp_md *ctx) {
    char *payload = (char *)(long)ctx->data + 54;
    char *data_end = (char *)(long)ctx->data_end;
    if (payload >= data_end)
        return XDP_PASS;
    __u32 zero = 0;
    struct scan_stats *stats = bpf_map_lookup_elem(&scan_st, &zero);
    if (!stats)
        return XDP_PASS;
    __u32 hash;
    int set_found = 0, key_found = 0;
#pragma clang loop unroll(disable)
    for (unsigned int off = 0; off < MAXLEN && payload + off + 1 <= data_end; off++) {
        if (set_found == 0 && payload[off] == 's' && payload + off + 3 <= data_end && payload[off + 1] == 'e' &&
            payload[off + 2] == 't') {
            set_found = 1;
            off += 3;
            stats->set_recv++;
        } else if (key_found == 0 && set_found == 1 && payload[off] != ' ') {
            if (payload[off] == '\r') {
                set_found = 0;
                key_found = 0;
            } else {
                hash = (2166136261u ^ payload[off]) * 16777619;
                key_found = 1;
            }
        } else if (key_found == 1) {
            if (payload[off] == ' ') {
                __u32 idx = hash % 1024;
                struct entry *e = bpf_map_lookup_elem(&scan_cache, &idx);
                if (!e)
                    return XDP_PASS;
                if (e->valid) {
                    e->valid = 0;
                    stats->inval++;
                }
                set_found = 0;
                key_found = 0;
            } else {
                hash = (hash ^ payload[off]) * 16777619;
            }
        }
    }
    return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
