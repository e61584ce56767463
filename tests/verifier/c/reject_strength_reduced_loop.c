// verdict: reject map value out of bounds
// Unsafe twin of tc_strength_reduced_loops.c: the bound is 5 on a 4-entry array, so the
// fifth trip reads the byte after the map value.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct hosts {
    __u32 n;
    __u32 host[4];
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct hosts);
} hosts SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 64);
    __type(key, __u64);
    __type(value, __u32);
} conns SEC(".maps");

SEC("tc")
int multihome_past_end(struct __sk_buff *skb) {
    unsigned char *p = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    __u32 zero = 0;
    struct hosts *h = bpf_map_lookup_elem(&hosts, &zero);
    if (!h) return 0;
    __u32 records = 0;
    for (__u32 n = 0; n < 4096 && p + 2 <= end; n++) {
        __u8 l = p[1];
        if (p + 2 + l > end) break;
        records += p[0];
        p += 2 + l;
    }
    __u32 sum = 0;
    __u32 *host = h->host;
    for (__u32 i = 0; i < h->n && i < 5; i++, host++) {
        __u64 key = *host; // REJECT
        for (__u32 j = 0; j < h->n && j < 4; j++) {
            key = key * 31 + j;
            bpf_map_delete_elem(&conns, &key);
        }
        sum += *host * (i + 1);
    }
    return (sum + records) & 0xffff;
}

char LICENSE[] SEC("license") = "GPL";
