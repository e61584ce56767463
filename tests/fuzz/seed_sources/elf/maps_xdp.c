#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __u64);
} counts SEC(".maps");
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} totals SEC(".maps");
volatile __u64 seen = 0;
const volatile __u32 limit = 100;
static __attribute__((noinline)) __u64 bump(__u64 *p, __u64 by) { *p += by; return *p; }
SEC("xdp")
int count_len(struct xdp_md *ctx) {
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u32 key = (__u32)(end - data) & 15;
    __u64 one = 1, *v = bpf_map_lookup_elem(&counts, &key);
    if (v) bump(v, 1); else bpf_map_update_elem(&counts, &key, &one, BPF_ANY);
    __u32 z = 0;
    __u64 *t = bpf_map_lookup_elem(&totals, &z);
    if (t && seen < limit) { bump(t, key); seen++; }
    return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
