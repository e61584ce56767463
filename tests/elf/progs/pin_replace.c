// Cilium's legacy map pinning CILIUM_PIN_REPLACE (1 << 4, bpf/include/bpf/loader.h), which
// Cilium puts on its per-endpoint tail-call array: a pinned map is never reused; every load
// creates a fresh map, which then takes over the pin. Beside it, a PIN_GLOBAL_NS map that
// is shared.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_elf_map {
    __u32 type;
    __u32 size_key;
    __u32 size_value;
    __u32 max_elem;
    __u32 flags;
    __u32 id;
    __u32 pinning;
    __u32 inner_id;
    __u32 inner_idx;
};

struct bpf_elf_map SEC("maps") replaced_state = {
    .type = BPF_MAP_TYPE_ARRAY,
    .size_key = sizeof(__u32),
    .size_value = sizeof(__u64),
    .max_elem = 1,
    .id = 1,
    .pinning = 1 << 4,
};

struct bpf_elf_map SEC("maps") shared_state = {
    .type = BPF_MAP_TYPE_ARRAY,
    .size_key = sizeof(__u32),
    .size_value = sizeof(__u64),
    .max_elem = 1,
    .id = 2,
    .pinning = 2,
};

char LICENSE[] SEC("license") = "GPL";

SEC("tc")
int count_both(struct __sk_buff *skb)
{
    __u32 key = 0;
    __u64 *v = bpf_map_lookup_elem(&replaced_state, &key);
    if (v)
        *v += 1;
    v = bpf_map_lookup_elem(&shared_state, &key);
    if (v)
        *v += 1;
    return 0;
}
