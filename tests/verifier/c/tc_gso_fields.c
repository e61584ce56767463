// verdict: accept
// __sk_buff gso_segs / gso_size: read-only fields tc and socket filters may read (loxilb
// tells GSO super-frames apart by gso_size).
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int tc_gso(struct __sk_buff *skb) {
    if (skb->gso_size > 0 && skb->gso_segs > 1) return TC_ACT_SHOT;
    return TC_ACT_OK;
}

SEC("socket")
int socket_gso(struct __sk_buff *skb) {
    return skb->gso_size ? 0 : skb->len;
}

char LICENSE[] SEC("license") = "GPL";
