// A mem program (r1 = buffer, r2 = length) with a hash map, global data and a subprogram.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __u64);
} by_first_byte SEC(".maps");

__u64 runs = 0;
const volatile __u64 scale = 7;

static __attribute__((noinline)) __u64 mix(__u64 x)
{
    return (x * scale) ^ (x >> 3);
}

SEC("mem")
int sum16(__u8 *data, __u64 len)
{
    if (len < 16)
        return -1;
    __u64 sum = 0;
    for (int i = 0; i < 16; i++)
        sum += data[i];
    runs++;
    __u32 key = data[0] & 15;
    __u64 *seen = bpf_map_lookup_elem(&by_first_byte, &key);
    if (seen)
        *seen += sum;
    else
        bpf_map_update_elem(&by_first_byte, &key, &sum, BPF_ANY);
    return mix(sum);
}
