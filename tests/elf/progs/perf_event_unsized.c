// Retina-style events map (loaded by cilium/ebpf): a perf event array with no key, value
// or entry count; cilium/ebpf's fixupMagicFields makes key and value u32, max_entries one
// per possible CPU (perf_event_wide_key.c: a size other than 4, which both refuse).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
} events SEC(".maps");

char LICENSE[] SEC("license") = "GPL";

SEC("tc")
int notify(struct __sk_buff *skb)
{
    __u64 len = skb->len;
    bpf_perf_event_output(skb, &events, BPF_F_CURRENT_CPU, &len, sizeof(len));
    return 0;
}
