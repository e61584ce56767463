// A `mem` program (r1 = buffer, r2 = length) using a hash map, global data in .data,
// .bss and .rodata, and a subprogram: the object API test runs it and checks the maps.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __u64);
} sums_by_length SEC(".maps");

__u64 runs = 0;                      // .bss
__u64 total = 100;                   // .data
const volatile __u32 multiplier = 3; // .rodata

char LICENSE[] SEC("license") = "GPL";

static __attribute__((noinline)) __u64 scale(__u64 x)
{
    return x * multiplier;
}

SEC("mem")
int sum_bytes(__u8 *data, __u64 len)
{
    __u64 sum = 0;
    for (__u32 i = 0; i < 64 && i < len; i++)
        sum += data[i];
    runs++;
    total += sum;
    __u32 key = (__u32)len;
    __u64 *seen = bpf_map_lookup_elem(&sums_by_length, &key);
    if (seen)
        *seen += sum;
    else
        bpf_map_update_elem(&sums_by_length, &key, &sum, BPF_ANY);
    return scale(sum);
}
