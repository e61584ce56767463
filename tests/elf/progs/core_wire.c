// CO-RE as vmlinux.h makes it: every access to a struct marked preserve_access_index is a
// relocation. The ctx struct here is a partial "___flavor" copy (data and data_end only),
// so its offsets must be patched to the uapi's (76, 80); the headers are the wire formats,
// bitfields included (iphdr's ihl/version), whose compiled offsets stand.
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#define __core __attribute__((preserve_access_index))

struct __sk_buff___wire {
    __u32 data;
    __u32 data_end;
} __core;

struct ethhdr {
    unsigned char h_dest[6];
    unsigned char h_source[6];
    __be16 h_proto;
} __core;

struct iphdr {
    __u8 ihl : 4, version : 4;
    __u8 tos;
    __be16 tot_len;
    __be16 id;
    __be16 frag_off;
    __u8 ttl;
    __u8 protocol;
    __sum16 check;
    __be32 saddr;
    __be32 daddr;
} __core;

char LICENSE[] SEC("license") = "GPL";

// ihl | version << 4 | protocol << 8 | ttl << 16 of an IPv4 packet; 1 if too short.
SEC("tc")
int wire_headers(struct __sk_buff___wire *skb)
{
    void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
    struct ethhdr *eth = data;
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > data_end) return 1;
    if (eth->h_proto != __builtin_bswap16(0x0800)) return 1;
    return ip->ihl | ip->version << 4 | ip->protocol << 8 | ip->ttl << 16;
}
