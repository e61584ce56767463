// verdict: accept
// A static void function that is not inlined (pping's counters update): its exit leaves
// r0 unset, which the kernel allows because the caller never reads it.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct counters {
    __u64 packets;
    __u64 bytes;
    __u64 small;
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct counters);
} stats SEC(".maps");

__attribute__((noinline)) static void count(__u32 len) {
    if (len > 9000) return; // before any call: r0 was never set on this path
    __u32 key = 0;
    struct counters *c = bpf_map_lookup_elem(&stats, &key);
    if (!c) return;
    c->packets++;
    c->bytes += len;
    if (len < 64) c->small++;
}

SEC("xdp")
int void_subprog(struct xdp_md *ctx) {
    count(ctx->data_end - ctx->data);
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
