// Cilium-style events map: a perf event array declared without max_entries, which libbpf
// sizes to the number of possible CPUs (map_set_def_max_entries).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, sizeof(__u32));
} events SEC(".maps");

char LICENSE[] SEC("license") = "GPL";

SEC("tc")
int notify(struct __sk_buff *skb)
{
    __u64 len = skb->len;
    bpf_perf_event_output(skb, &events, BPF_F_CURRENT_CPU, &len, sizeof(len));
    return 0;
}
