// The pre-BTF `maps` section: an array of struct bpf_map_def, one symbol per map.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_def {
    unsigned int type;
    unsigned int key_size;
    unsigned int value_size;
    unsigned int max_entries;
    unsigned int map_flags;
};

struct bpf_map_def SEC("maps") counters = {
    .type = BPF_MAP_TYPE_ARRAY,
    .key_size = 4,
    .value_size = 8,
    .max_entries = 16,
};

struct bpf_map_def SEC("maps") table = {
    .type = BPF_MAP_TYPE_HASH,
    .key_size = 8,
    .value_size = 4,
    .max_entries = 64,
    .map_flags = 1,
};

char _license[] SEC("license") = "Dual BSD/GPL";
__u32 _version SEC("version") = 0x050a00;

SEC("socket")
int legacy_filter(struct __sk_buff *skb)
{
    __u32 key = 3;
    __u64 k2 = 7;
    __u64 *v = bpf_map_lookup_elem(&counters, &key);
    if (v)
        *v += 1;
    __u32 *t = bpf_map_lookup_elem(&table, &k2);
    return t ? *t : 0;
}
