// A kfunc (an extern declared __ksym): libbpf resolves it against the kernel's BTF;
// ebpfjit has no kernel and must refuse it, naming the kfunc.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern void bpf_rcu_read_lock(void) __ksym;

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int calls_kfunc(struct xdp_md *ctx)
{
    bpf_rcu_read_lock();
    return XDP_PASS;
}
