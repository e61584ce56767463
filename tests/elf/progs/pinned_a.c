// One of two objects sharing the pinned map 'shared_counter' (LIBBPF_PIN_BY_NAME).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} shared_counter SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} private_counter SEC(".maps");

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int add_a(struct xdp_md *ctx)
{
    __u32 zero = 0;
    __u64 *v = bpf_map_lookup_elem(&shared_counter, &zero);
    __u64 *p = bpf_map_lookup_elem(&private_counter, &zero);
    if (!v || !p)
        return XDP_ABORTED;
    __sync_fetch_and_add(v, 1);
    __sync_fetch_and_add(p, 1);
    return XDP_PASS;
}
