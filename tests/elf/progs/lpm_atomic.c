// An XDP program doing an atomic add on an LPM-trie value behind an IPv4 key: the value
// must be 8-byte aligned (the verifier assumes so), or ARM64 faults on the atomic.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct ipv4_key {
    __u32 prefixlen;
    __u32 addr;
};

struct {
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __uint(max_entries, 16);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, struct ipv4_key);
    __type(value, __u64);
} prefixes SEC(".maps");

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int count_prefix(struct xdp_md *ctx)
{
    struct ipv4_key key = { .prefixlen = 32, .addr = 0x0100000a }; // 10.0.0.1
    __u64 *hits = bpf_map_lookup_elem(&prefixes, &key);
    if (!hits)
        return XDP_ABORTED;
    __sync_fetch_and_add(hits, 1);
    return XDP_PASS;
}
