// Two struct bpf_timer in one value: the kernel's btf_parse_fields refuses the map (E2BIG),
// and so does ebpfjit's loader, naming the map.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct elem {
    struct bpf_timer first;
    struct bpf_timer second;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, struct elem);
} twice SEC(".maps");

SEC("prog")
int two_timers(void *ctx)
{
    return 0;
}
