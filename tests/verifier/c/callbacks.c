// verdict: accept
// bpf_loop and bpf_for_each_map_elem with callbacks (LDDW src 4) that write the caller's
// context struct on the stack.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} counters SEC(".maps");

struct walk {
    __u64 sum;
    __u32 visited;
};

static long add_index(__u32 index, void *ctx) {
    struct walk *w = ctx;
    w->sum += index;
    w->visited++;
    return w->sum > 1000 ? 1 : 0;
}

static long add_value(void *map, __u32 *key, __u64 *value, void *ctx) {
    struct walk *w = ctx;
    w->sum += *value + *key;
    *value += 1;
    return 0;
}

SEC("xdp")
int callbacks(struct xdp_md *ctx) {
    struct walk w = {0, 0};
    bpf_loop(16, add_index, &w, 0);
    bpf_for_each_map_elem(&counters, add_value, &w, 0);
    return w.sum & 1 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
