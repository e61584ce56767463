// verdict: accept
// A checksum loop over up to 1,400 bytes from a header at data + 14, or data + 18 behind a
// VLAN tag, entered on many paths whose checksum seeds differ (eight flag bytes; the seed
// indexes a map value later, so the walk keeps them apart and gives up at the loop). In
// the loop pass the head's state soon holds the pointer as data + 14 + [0, 4]: a later
// entry at data + 18 is inside it, written another way, and the join adds nothing. Such
// an entry ends there (loop_heads.cpp) instead of going round the loop again from an
// unchanged state. loop_retry_test.cpp. Own code.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef LOOP_READ
#define LOOP_READ __u16 // reject_loop_entry_overread.c reads 4 bytes where 2 are checked
#define LOOP_PROG loop_entry_rewritten
#endif
#define KEEP(x) asm volatile("" : "+r"(x))
#define MAX_BYTES 1400
#define SEED(i)                                                                                    \
    if (data[2 + i] & 1) {                                                                         \
        c += 1u << i;                                                                              \
        KEEP(c);                                                                                   \
    }

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64[8]);
} seed_counts SEC(".maps");

SEC("xdp")
int LOOP_PROG(struct xdp_md *ctx) {
    __u8 *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    if ((void *)(data + 64) > end)
        return XDP_PASS;
    __u32 c = 0;
    SEED(0) SEED(1) SEED(2) SEED(3) SEED(4) SEED(5) SEED(6) SEED(7)
    __u8 *p = data + 14;
    if (data[12] == 0x81 && data[13] == 0)
        p = data + 18;
    KEEP(p);
    for (int n = 0; n < MAX_BYTES; n += 2) {
        if ((void *)(p + n + 2) > end)
            break;
        c += *(LOOP_READ *)(p + n); // REJECT where LOOP_READ is wider than the 2 bytes checked
    }
    __u32 zero = 0;
    __u64 *counts = bpf_map_lookup_elem(&seed_counts, &zero);
    if (counts)
        counts[c & 7] += 1;
    return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
