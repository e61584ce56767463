// A bpf_timer in a per-CPU hash value: the kernel's map_check_btf refuses the map
// (-EOPNOTSUPP); so does ebpfjit's map factory.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct elem {
    struct bpf_timer timer;
    __u64 counter;
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, struct elem);
} pmap SEC(".maps");

SEC("prog")
int main_prog(void *ctx)
{
    return 0;
}
