#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("socket")
int keep_short(struct __sk_buff *skb) { return skb->len < 128 ? skb->len : 0; }
SEC("tc")
int mark(struct __sk_buff *skb) { skb->mark = 7; return 0; }
char LICENSE[] SEC("license") = "Dual BSD/GPL";
