// xdp-tools style (xdp_redirect_cpumap, xdp_monitor): XDP programs next to tracing
// programs (tp_btf/) that only collect statistics and that ebpfjit has no type for.
// libbpf loads the XDP programs alone when userspace turns autoload off for the others.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 1);
} errors SEC(".maps");

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int redirect_all(struct xdp_md *ctx)
{
    return XDP_PASS;
}

SEC("tp_btf/xdp_redirect_err")
int count_redirect_err(__u64 *ctx)
{
    __u32 key = 0;
    __u64 *v = bpf_map_lookup_elem(&errors, &key);
    if (v)
        *v += 1;
    return 0;
}
