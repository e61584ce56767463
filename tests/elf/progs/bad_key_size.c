// A hash map declared without a key: key_size 0 must be rejected with its location.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16);
    __type(value, __u64);
} keyless SEC(".maps");

SEC("xdp")
int uses_keyless(struct xdp_md *ctx)
{
    __u32 k = 0;
    return bpf_map_lookup_elem(&keyless, &k) ? XDP_DROP : XDP_PASS;
}
