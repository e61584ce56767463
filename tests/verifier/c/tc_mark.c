// verdict: accept
// tc classifier: reads skb fields and packet bytes, sets mark and priority.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int mark(struct __sk_buff *skb) {
    unsigned char *data = (void *)(long)skb->data;
    unsigned char *end = (void *)(long)skb->data_end;
    if (data + 14 > end) return TC_ACT_OK;
    skb->mark = data[13] | (skb->len << 8);
    skb->priority = skb->ifindex & 7;
    return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
