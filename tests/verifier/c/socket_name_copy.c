// verdict: accept
// As Inspektor Gadget's trace_sni: a name of up to 128 bytes read byte by byte from the
// packet (its length from the packet, each byte with bpf_skb_load_bytes), then copied
// again up to its NUL into an output record. The copy loop is entered once for each way
// the name loop can end, and walks at most 128 trips each time: the walk proves it by
// enumeration (kernel: 76,461 processed on trace_sni), not the loop pass.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define NAME_MAX 128

struct record {
    __u32 len;
    char name[NAME_MAX];
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct record);
} names SEC(".maps");

SEC("socket")
int name_copy(struct __sk_buff *skb) {
    __u8 len8;
    if (bpf_skb_load_bytes(skb, 0, &len8, 1)) return 0;
    __u16 len = len8;
    if (len == 0 || len > NAME_MAX) return 0;
    char name[NAME_MAX] = {};
    int n = 0;
    for (int i = 0; i < NAME_MAX; i++) {
        if (i >= len) break;
        char c;
        bpf_skb_load_bytes(skb, 1 + i, &c, 1);
        if (c == '\0') break;
        name[i] = c;
        n++;
    }
    if (n == 0) return 0;
    __u32 zero = 0;
    struct record *out = bpf_map_lookup_elem(&names, &zero);
    if (!out) return 0;
    out->len = n;
    for (int i = 0; i < NAME_MAX; i++) {
        if (name[i] == '\0') break;
        out->name[i] = name[i];
    }
    return n;
}

char LICENSE[] SEC("license") = "GPL";
