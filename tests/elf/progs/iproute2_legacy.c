// An iproute2-style object (tc's loader, lib/bpf_legacy.c): struct bpf_elf_map definitions
// in section "maps" with ids, pinning and map-in-map by inner_id / inner_idx, and a tail
// call installed from the numbered section "<prog array id>/<key>".
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
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

#define PIN_GLOBAL_NS 2
#define INNER_ID 11
#define JMP_ID 2

// The inner template (id INNER_ID), also installed at slot 1 of the outer map.
struct bpf_elf_map SEC("maps") map_inner = {
    .type = BPF_MAP_TYPE_ARRAY,
    .size_key = sizeof(__u32),
    .size_value = sizeof(__u64),
    .max_elem = 4,
    .id = INNER_ID,
    .inner_idx = 1,
};

struct bpf_elf_map SEC("maps") map_outer = {
    .type = BPF_MAP_TYPE_ARRAY_OF_MAPS,
    .size_key = sizeof(__u32),
    .size_value = sizeof(__u32),
    .max_elem = 2,
    .inner_id = INNER_ID,
    .inner_idx = -1,
};

struct bpf_elf_map SEC("maps") jmp_map = {
    .type = BPF_MAP_TYPE_PROG_ARRAY,
    .size_key = sizeof(__u32),
    .size_value = sizeof(__u32),
    .max_elem = 4,
    .id = JMP_ID,
    .inner_idx = -1,
};

struct bpf_elf_map SEC("maps") global_hits = {
    .type = BPF_MAP_TYPE_HASH,
    .size_key = sizeof(__u32),
    .size_value = sizeof(__u64),
    .max_elem = 8,
    .pinning = PIN_GLOBAL_NS,
    .inner_idx = -1,
};

char LICENSE[] SEC("license") = "GPL";

// Reached only through jmp_map slot 1 (filled from the section name).
SEC("2/1")
int tail_one(struct __sk_buff *skb)
{
    return 42;
}

SEC("classifier")
int cls_main(struct __sk_buff *skb)
{
    __u32 slot = 1, zero = 0;
    void *inner = bpf_map_lookup_elem(&map_outer, &slot);
    if (!inner)
        return TC_ACT_SHOT;
    __u64 *v = bpf_map_lookup_elem(inner, &zero);
    if (v)
        __sync_fetch_and_add(v, 1);
    __u64 *hits = bpf_map_lookup_elem(&global_hits, &zero);
    if (hits)
        __sync_fetch_and_add(hits, 1);
    else {
        __u64 one = 1;
        bpf_map_update_elem(&global_hits, &zero, &one, BPF_ANY);
    }
    bpf_tail_call(skb, &jmp_map, 1);
    return TC_ACT_OK; // slot 1 empty
}
