// A perf event array with an 8-byte key: its key is a u32 CPU index, and libbpf and
// cilium/ebpf both refuse any other size (perf_event_unsized.c: none given).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(key_size, 8);
} events SEC(".maps");

char LICENSE[] SEC("license") = "GPL";

SEC("tc")
int notify(struct __sk_buff *skb)
{
    __u64 len = skb->len;
    bpf_perf_event_output(skb, &events, BPF_F_CURRENT_CPU, &len, sizeof(len));
    return 0;
}
