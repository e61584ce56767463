// Programs the kernel's verifier refuses, one rule each (test_net_helpers checks that
// ebpfjit refuses them too, naming the rule): __sk_buff->tstamp outside tc or read by
// halves, and a cgroup array used other than through bpf_skb_under_cgroup.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <stddef.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u32);
} cgroups SEC(".maps");

// sk_filter_is_valid_access: no tstamp for socket filters.
SEC("socket")
int sock_reads_tstamp(struct __sk_buff *skb)
{
    return skb->tstamp != 0;
}

// bpf_skb_is_valid_access: tstamp is read whole (8 bytes) or not at all.
SEC("tc")
int tc_reads_tstamp_low_half(struct __sk_buff *skb)
{
    return *(volatile __u32 *)((char *)skb + offsetof(struct __sk_buff, tstamp)) != 0;
}

// tc_cls_act_is_valid_access: writes are 8 bytes too.
SEC("tc")
int tc_writes_tstamp_low_half(struct __sk_buff *skb)
{
    *(volatile __u32 *)((char *)skb + offsetof(struct __sk_buff, tstamp)) = 1;
    return TC_ACT_OK;
}

// check_map_func_compatibility: a cgroup array is only for bpf_skb_under_cgroup (and
// current_task_under_cgroup).
SEC("tc")
int tc_looks_up_cgroup_array(struct __sk_buff *skb)
{
    __u32 key = 0;
    return bpf_map_lookup_elem(&cgroups, &key) != 0;
}

// tc_cls_act_func_proto: skb_under_cgroup is a tc helper.
SEC("socket")
int sock_under_cgroup(struct __sk_buff *skb)
{
    return bpf_skb_under_cgroup(skb, &cgroups, 0) == 1;
}
