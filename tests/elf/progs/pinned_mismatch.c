// Declares the pinned 'shared_counter' with another value size than pinned_a.c.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} shared_counter SEC(".maps");

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int mismatch(struct xdp_md *ctx)
{
    __u32 zero = 0;
    __u32 *v = bpf_map_lookup_elem(&shared_counter, &zero);
    return v ? XDP_PASS : XDP_ABORTED;
}
