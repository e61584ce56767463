// verdict: accept
// A bpf_loop callback that stores its index as a 4-byte map key (reduced from dae's
// tproxy route_loop_cb; our own code). The stack-slot liveness takes a callback's
// arguments for possible stack pointers, and a store of one anywhere but a whole slot of
// its own frame used to switch the analysis off for the whole program: every slot live
// everywhere. Here the two ways into the shared tail leave one stack slot dead, holding
// packet end on one and a scalar on the other; with the analysis off the second way was
// not pruned at the join, and the tail was walked again (dae's wan_egress: 22,605
// processed, the kernel 16,623, now 11,964). A narrower store leaves no pointer to load
// back: on the stack one is refused, elsewhere its bytes are data.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __u32);
} routes SEC(".maps");

static long route_cb(__u32 idx, void *data)
{
    __u32 key = idx; /* the index, stored as a 4-byte map key */
    __u32 *v = bpf_map_lookup_elem(&routes, &key);
    if (v && *v) {
        __sync_fetch_and_add(v, 1);
        return 1;
    }
    return 0;
}

SEC("tc")
int callback_index_key(struct __sk_buff *skb)
{
    __u32 acc = 0;
    int ret = 0;
    if (skb->mark & 1) {
        void *volatile end = (void *)(long)skb->data_end; /* a pointer on the stack, dead after */
        void *data = (void *)(long)skb->data;
        if (data + 14 > end)
            return 0;
        acc = *(__u8 *)(data + 12);
    } else {
        volatile __u64 len = skb->len; /* a scalar in the same slot, dead after */
        if (len < 14)
            return 0;
        acc = (__u32)len;
    }
    /* the shared tail: each way arrives here with its own dead slot */
    for (int i = 0; i < 4; i++) {
        if (skb->priority & (1 << i))
            ret += 1;
        else
            ret += 2;
    }
    ret += bpf_loop(4, route_cb, NULL, 0); /* no stack pointer handed to the callback */
    return ret + acc;
}

char _license[] SEC("license") = "GPL";
