// tc: marks the packet, stores the rx ifindex in cb[0], rewrites the IPv4 destination
// with bpf_skb_store_bytes and fixes the header checksum with bpf_l3_csum_replace.
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define IP_DST_OFF (ETH_HLEN + offsetof(struct iphdr, daddr))
#define IP_CSUM_OFF (ETH_HLEN + offsetof(struct iphdr, check))

SEC("prog")
int tc_rewrite(struct __sk_buff *skb) {
    void *data = (void *)(long)skb->data;
    void *data_end = (void *)(long)skb->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > data_end) return TC_ACT_SHOT;
    if (skb->protocol != bpf_htons(ETH_P_IP)) return TC_ACT_OK;
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > data_end) return TC_ACT_SHOT;
    __u32 old = ip->daddr;
    __u32 new_dst = bpf_htonl(0x0a000063);
    skb->mark = 0x77;
    skb->cb[0] = skb->ingress_ifindex;
    if (bpf_skb_store_bytes(skb, IP_DST_OFF, &new_dst, sizeof new_dst, 0)) return TC_ACT_SHOT;
    if (bpf_l3_csum_replace(skb, IP_CSUM_OFF, old, new_dst, sizeof new_dst)) return TC_ACT_SHOT;
    return TC_ACT_OK;
}
