// __sk_buff->tstamp, cb[] access sizes and bpf_skb_under_cgroup from tc programs, leaving what they saw in
// `results` (slot = step), for test_net_helpers to check on both engines.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <stddef.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u64);
} results SEC(".maps");

// Slots name cgroups (user space stores cgroup fds, or ids through the embedder API).
struct {
    __uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u32);
} cgroups SEC(".maps");

static __always_inline void put(__u32 slot, __u64 value)
{
    bpf_map_update_elem(&results, &slot, &value, BPF_ANY);
}

// Reads the timestamp, pushes the departure time 1000 ns later (EDT), reads it back.
SEC("tc")
int tc_tstamp(struct __sk_buff *skb)
{
    __u64 t = skb->tstamp;
    put(0, t);
    skb->tstamp = t + 1000;
    put(1, skb->tstamp);
    return TC_ACT_OK;
}

// Every slot of `cgroups`, then one past the end.
SEC("tc")
int tc_under_cgroup(struct __sk_buff *skb)
{
    put(0, bpf_skb_under_cgroup(skb, &cgroups, 0));
    put(1, bpf_skb_under_cgroup(skb, &cgroups, 1));
    put(2, bpf_skb_under_cgroup(skb, &cgroups, 2));
    put(3, bpf_skb_under_cgroup(skb, &cgroups, 3));
    put(4, bpf_skb_under_cgroup(skb, &cgroups, 4));
    return TC_ACT_OK;
}

// cb[] as the kernel lets tc programs touch it: any of 1, 2, 4, 8 bytes, aligned.
SEC("tc")
int tc_cb_sizes(struct __sk_buff *skb)
{
    char *ctx = (char *)skb;
    *(volatile __u64 *)(ctx + offsetof(struct __sk_buff, cb)) = 0x1122334455667788ULL;
    *(volatile __u8 *)(ctx + offsetof(struct __sk_buff, cb) + 3) = 0xaa;
    *(volatile __u16 *)(ctx + offsetof(struct __sk_buff, cb) + 8) = 0xbbcc;
    put(0, *(volatile __u64 *)(ctx + offsetof(struct __sk_buff, cb)));
    put(1, *(volatile __u64 *)(ctx + offsetof(struct __sk_buff, cb) + 8));
    put(2, *(volatile __u8 *)(ctx + offsetof(struct __sk_buff, cb) + 16));
    return TC_ACT_OK;
}
