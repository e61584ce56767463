// kmesh-style: an object defines a socket local-storage map (max_entries 0, as libbpf and
// the kernel require) that its XDP program does not use.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_SK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, __u64);
} sk_counts SEC(".maps");

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int pass_all(struct xdp_md *ctx)
{
    return XDP_PASS;
}
