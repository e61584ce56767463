// verdict: reject read-only memory
// A store into .rodata: the loader marks it BPF_F_RDONLY_PROG, as libbpf does.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 limit = 100;

SEC("xdp")
int bump_limit(struct xdp_md *ctx) {
    *(volatile __u32 *)&limit = 5; // REJECT: .rodata is read-only for programs
    return limit > 10 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
