// verdict: accept
// What BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG leave allowed: reading a read-only map
// (lookup, peek, a for_each callback reading values), writing a write-only one (stores,
// update, push), and every operation on a map without the flags.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 4);
    __uint(map_flags, BPF_F_RDONLY_PROG);
    __type(key, __u32);
    __type(value, __u64);
} config SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __uint(map_flags, BPF_F_WRONLY_PROG);
    __type(key, __u32);
    __type(value, __u64);
} sink SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_QUEUE);
    __uint(max_entries, 4);
    __uint(map_flags, BPF_F_RDONLY_PROG);
    __type(value, __u64);
} inbox SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_QUEUE);
    __uint(max_entries, 4);
    __uint(map_flags, BPF_F_WRONLY_PROG);
    __type(value, __u64);
} outbox SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} counts SEC(".maps");

static long sum_value(void *map, __u32 *key, __u64 *value, __u64 *sum) {
    *sum += *value;
    return 0;
}

SEC("xdp")
int use_flags(struct xdp_md *ctx) {
    __u32 key = 0;
    __u64 sum = 0, head = 0;
    __u64 *limit = bpf_map_lookup_elem(&config, &key);
    if (limit) sum += *limit;
    bpf_for_each_map_elem(&config, sum_value, &sum, 0);
    if (bpf_map_peek_elem(&inbox, &head) == 0) sum += head;
    __u64 *out = bpf_map_lookup_elem(&sink, &key);
    if (out) *out = sum;
    bpf_map_update_elem(&sink, &key, &sum, BPF_ANY);
    bpf_map_push_elem(&outbox, &sum, 0);
    __u64 one = 1;
    __u64 *c = bpf_map_lookup_elem(&counts, &key);
    if (c) __sync_fetch_and_add(c, 1);
    else bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST);
    bpf_map_delete_elem(&counts, &key);
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
