// A tc program over the skb metadata the C API's ebpfjit_skb_load_meta / set_tstamp /
// set_socket_cgroups give (tests/cgroup_sock/c_api_skb_meta_test.c): it records what it
// sees and pushes the departure time, mark and priority the embedder reads back.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u64);
} skb_seen SEC(".maps");

static void record(__u32 slot, __u64 value)
{
    bpf_map_update_elem(&skb_seen, &slot, &value, BPF_ANY);
}

SEC("tc")
int tc_meta(struct __sk_buff *skb)
{
    record(0, skb->tstamp);
    record(1, skb->mark);
    record(2, skb->priority);
    record(3, bpf_skb_cgroup_id(skb));
    record(4, skb->vlan_present ? skb->vlan_tci : 0xffff);
    record(5, skb->ingress_ifindex);
    skb->tstamp += 1000; // depart 1 us later
    skb->mark = skb->mark | 0x100;
    skb->priority = 5;
    return TC_ACT_OK;
}
