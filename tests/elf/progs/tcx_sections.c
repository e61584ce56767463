// libbpf's exact tcx/netkit section names: SCHED_CLS programs like "tc".
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tcx/ingress")
int tcx_in(struct __sk_buff *skb) { return skb->len > 1000 ? TC_ACT_SHOT : TC_ACT_OK; }

SEC("tcx/egress")
int tcx_out(struct __sk_buff *skb) { return TC_ACT_OK; }

SEC("netkit/primary")
int nk_primary(struct __sk_buff *skb) { return TC_ACT_OK; }

SEC("netkit/peer")
int nk_peer(struct __sk_buff *skb) { return skb->mark ? TC_ACT_SHOT : TC_ACT_OK; }
