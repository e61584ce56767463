// verdict: accept
// A checksum over up to 2,960 packet bytes, two bytes a trip, each trip checked against
// data_end, after a map lookup on one of two header paths (tailscale's derp XDP program
// has this shape). The walk goes round the loop ~1,480 times: a point holds at most 64
// states, and a store at a full point drops the oldest; refusing it instead left the
// path with no checkpoint from the 64th trip on (191 MiB of states, pruning_parity_test).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define MAX_LEN 2960

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
} checksum_cfg SEC(".maps");

static __always_inline __u16 checksum(void *from, void *end) {
    __u32 seed = 0;
    __u16 *buf = from;
    for (int i = 0; i < MAX_LEN; i += 2) {
        if ((void *)(buf + 1) > end) break;
        seed += *buf;
        buf++;
    }
    if ((void *)buf + 1 <= end) seed += *(__u8 *)buf;
    __u32 s = (seed >> 16) + (seed & 0xffff);
    s += s >> 16;
    return ~s;
}

SEC("xdp")
int long_checksum(struct xdp_md *ctx) {
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    if (data + 14 > end) return XDP_PASS;
    __u16 proto = *(__u16 *)(data + 12);
    void *l4;
    int is6;
    if (proto == 0xdd86) {
        l4 = data + 54;
        if (l4 + 8 > end) return XDP_PASS;
        is6 = 1;
    } else if (proto == 0x0008) {
        l4 = data + 34;
        if (l4 + 8 > end) return XDP_PASS;
        is6 = 0;
    } else {
        return XDP_PASS;
    }
    __u32 k = 0;
    if (!bpf_map_lookup_elem(&checksum_cfg, &k)) return XDP_PASS;
    if (!is6) return XDP_TX;
    return checksum(l4, end) ? XDP_PASS : XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
