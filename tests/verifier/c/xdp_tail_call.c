// verdict: accept
// Tail call into a program array, indexed by the first packet byte.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 8);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, sizeof(__u32));
} jump_table SEC(".maps");

SEC("xdp")
int dispatch(struct xdp_md *ctx) {
    unsigned char *data = (void *)(long)ctx->data;
    unsigned char *end = (void *)(long)ctx->data_end;
    if (data + 1 > end) return XDP_DROP;
    bpf_tail_call(ctx, &jump_table, data[0] & 7);
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
