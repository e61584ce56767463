// verdict: reject write-only memory
// A BPF_F_WRONLY_PROG map is never read by a program: not through a looked-up value (the
// kernel's check_map_access_type: "read from map forbidden"), not as a helper's input,
// not by copying values out with peek or pop.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __uint(map_flags, BPF_F_WRONLY_PROG);
    __type(key, __u32);
    __type(value, __u64);
} sink SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} copy SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_QUEUE);
    __uint(max_entries, 4);
    __uint(map_flags, BPF_F_WRONLY_PROG);
    __type(value, __u64);
} outbox SEC(".maps");

SEC("xdp")
int read_sink(struct xdp_md *ctx) {
    __u32 key = 0;
    __u64 *v = bpf_map_lookup_elem(&sink, &key);
    if (!v) return XDP_PASS;
    return *(volatile __u64 *)v ? XDP_PASS : XDP_DROP; // REJECT: read of a write-only value
}

SEC("xdp")
int copy_sink(struct xdp_md *ctx) {
    __u32 key = 0;
    __u64 *v = bpf_map_lookup_elem(&sink, &key);
    if (!v) return XDP_PASS;
    bpf_map_update_elem(&copy, &key, v, BPF_ANY); // REJECT: the update reads the value
    return XDP_PASS;
}

SEC("xdp")
int peek_outbox(struct xdp_md *ctx) {
    __u64 value = 0;
    bpf_map_peek_elem(&outbox, &value); // REJECT: peek copies a value out
    return value ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int pop_outbox(struct xdp_md *ctx) {
    __u64 value = 0;
    bpf_map_pop_elem(&outbox, &value); // REJECT: pop copies a value out
    return value ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
