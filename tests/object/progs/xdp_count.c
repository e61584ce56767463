// Counts frames and bytes: a shared ARRAY updated atomically, a HASH keyed by the
// ingress interface, and a PERCPU_ARRAY (one slot per worker thread).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 2);
    __type(key, __u32);
    __type(value, __u64);
} totals SEC(".maps"); // [0] frames, [1] bytes

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 64);
    __type(key, __u32);
    __type(value, __u64);
} by_ifindex SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} per_worker SEC(".maps");

SEC("xdp")
int count_frames(struct xdp_md *ctx)
{
    __u32 frames = 0, bytes = 1, zero = 0;
    __u64 len = ctx->data_end - ctx->data;
    __u64 *v = bpf_map_lookup_elem(&totals, &frames);
    if (v)
        __sync_fetch_and_add(v, 1);
    v = bpf_map_lookup_elem(&totals, &bytes);
    if (v)
        __sync_fetch_and_add(v, len);
    __u32 ifindex = ctx->ingress_ifindex;
    v = bpf_map_lookup_elem(&by_ifindex, &ifindex);
    if (v) {
        __sync_fetch_and_add(v, 1);
    } else {
        __u64 one = 1;
        if (bpf_map_update_elem(&by_ifindex, &ifindex, &one, BPF_NOEXIST) != 0) {
            v = bpf_map_lookup_elem(&by_ifindex, &ifindex); // another worker created it first
            if (v)
                __sync_fetch_and_add(v, 1);
        }
    }
    v = bpf_map_lookup_elem(&per_worker, &zero);
    if (v)
        *v += 1;
    return XDP_PASS;
}
