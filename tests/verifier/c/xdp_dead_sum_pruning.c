// verdict: accept
// Twelve branches that each compute a packet pointer as base + (a + d) with its own
// symbols, check it against data_end and read through it, then a checksum loop over up to
// 1,400 bytes entered with six store offsets (the walk gives up at the loop; the loop pass
// proves it). In the loop pass every state after a branch carried the sum a + d of the
// path's own (dead) values, which a state of the other path could not name, so no such
// state covered another (relations.cpp zone_subsumes; xvs's request path: its failed loop
// pass 25,603 -> 4,425 instructions). loop_retry_test.cpp. Own code.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define KEEP(x) asm volatile("" : "+r"(x))
#define MAX_BYTES 1400

#define STEP(i)                                                                                    \
    if (data[2 + i] & 1) {                                                                         \
        __u8 *q = data + (data[3 + i] & 7);                                                        \
        __u64 d = data[4 + i] & 7;                                                                 \
        KEEP(d);                                                                                   \
        q += d;                                                                                    \
        if ((void *)(q + 8) > end)                                                                 \
            return XDP_PASS;                                                                       \
        c += *q;                                                                                   \
    } else {                                                                                       \
        c ^= i;                                                                                    \
        KEEP(c);                                                                                   \
    }

SEC("xdp")
int dead_sum_prune(struct xdp_md *ctx) {
    __u8 *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    if ((void *)(data + 64) > end)
        return XDP_PASS;
    __u32 c = data[1];
    __u64 at = 32;
    STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7) STEP(8) STEP(9) STEP(10) STEP(11)
    switch (data[20]) {
    case 7: at = 36; KEEP(at); break;
    case 9: at = 40; KEEP(at); break;
    case 11: at = 44; KEEP(at); break;
    case 13: at = 48; KEEP(at); break;
    case 17: at = 52; KEEP(at); break;
    }
    for (int n = 0; n < MAX_BYTES; n += 2) {
        if ((void *)(data + 16 + n + 2) > end)
            break;
        c += *(__u16 *)(data + 16 + n);
    }
    c = (c >> 16) + (c & 0xffff);
    *(__u16 *)(data + at) = ~c;
    return XDP_TX;
}

char _license[] SEC("license") = "GPL";
