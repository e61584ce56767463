// verdict: accept
// loxilb's multihoming loops (llb_kern_ct.c, `xkey->saddr[0] = pxss->mh_host[i]`) after a
// packet loop the walk cannot enumerate: `for (i = 0; i < h->n && i < 4; i++)` reads
// h->host[i] through a pointer that moves 4 bytes a trip beside i++ (clang's loop strength
// reduction), with a helper call in an inner loop. A zone relates no multiple (p = base +
// 4 * i), so joining these loops loses the pointer's bound; the loop pass proves the
// program with only the packet loop joined and the small loops enumerated as the walk does
// (docs/loop-verification.md, "Which loops are joined").
// tests/object/strength_reduced_loops_test.cpp runs this program (built there from here) on
// both engines against a C reference.
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
int multihome(struct __sk_buff *skb) {
    unsigned char *p = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    __u32 zero = 0;
    struct hosts *h = bpf_map_lookup_elem(&hosts, &zero);
    if (!h) return 0;
    // Type-length records: their number and strides come from the packet (more trips than
    // the walk enumerates).
    __u32 records = 0;
    for (__u32 n = 0; n < 4096 && p + 2 <= end; n++) {
        __u8 l = p[1];
        if (p + 2 + l > end) break;
        records += p[0];
        p += 2 + l;
    }
    // The pointer written out as clang's strength reduction makes it (loxilb's h->host[i]
    // is compiled this way), so that the pattern does not depend on the compiler's choice.
    __u32 sum = 0;
    __u32 *host = h->host;
    for (__u32 i = 0; i < h->n && i < 4; i++, host++) {
        __u64 key = *host;
        for (__u32 j = 0; j < h->n && j < 4; j++) {
            key = key * 31 + j;
            bpf_map_delete_elem(&conns, &key);
        }
        sum += *host * (i + 1);
    }
    return (sum + records) & 0xffff;
}

char LICENSE[] SEC("license") = "GPL";
