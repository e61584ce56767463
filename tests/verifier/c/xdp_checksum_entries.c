// verdict: accept
// A 16-bit checksum over up to 1,400 packet bytes, reached on several paths that differ
// in a constant (where the result is stored), as xvs's request path (loop_retry_test.cpp).
// csum_entries: the walk gives up at the loop (each entry is ~700 trips), and the loop
// pass proves it, for arrivals from outside a loop are joined without widening: the six
// offsets stay 32..52 rather than a widening threshold past the 64 bytes checked.
// csum_entries_var_base: the loop's base pointer has a variable offset (0 or 4), which
// the loop pass does not relate to the counter round the loop; the walk then goes on
// from where it gave up instead of starting again. Own code.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define MAX_BYTES 1400
#define KEEP(x) asm volatile("" : "+r"(x))

static __always_inline __u32 sum16(__u8 *from, void *end) {
    __u32 c = 0;
    for (int n = 0; n < MAX_BYTES; n += 2) {
        if ((void *)(from + n + 2) > end)
            break;
        c += *(__u16 *)(from + n);
    }
    return c;
}

static __always_inline __u32 inet_sum(void *from, void *end) {
    __u16 *p = from;
    __u32 c = 0;
    for (int n = 0; n < MAX_BYTES; n += 2) {
        if ((void *)(p + 1) > end)
            break;
        c += *p;
        p++;
    }
    return c;
}

static __always_inline __u16 fold(__u32 c) {
    c = (c >> 16) + (c & 0xffff);
    c += c >> 16;
    return ~c;
}

SEC("xdp")
int csum_entries(struct xdp_md *ctx) {
    __u8 *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    if ((void *)(data + 64) > end)
        return XDP_PASS;
    __u8 kind = data[1];
    __u64 at = 32;
    switch (kind) {
    case 7: at = 36; KEEP(at); break;
    case 9: at = 40; KEEP(at); break;
    case 11: at = 44; KEEP(at); break;
    case 13: at = 48; KEEP(at); break;
    case 17: at = 52; KEEP(at); break;
    }
    __u32 c = sum16(data + 16, end);
    *(__u16 *)(data + at) = fold(c);
    return XDP_TX;
}

SEC("xdp")
int csum_entries_var_base(struct xdp_md *ctx) {
    __u8 *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    if ((void *)(data + 64) > end)
        return XDP_PASS;
    __u8 *base = data + 14;
    if (data[0] & 1)
        base += 4;
    __u8 kind = data[1];
    __u64 at = 32;
    switch (kind) {
    case 7: at = 36; KEEP(at); break;
    case 9: at = 40; KEEP(at); break;
    case 11: at = 44; KEEP(at); break;
    }
    __u32 c = inet_sum(base + 20, end);
    *(__u16 *)(data + at) = fold(c);
    return XDP_TX;
}

char _license[] SEC("license") = "GPL";
