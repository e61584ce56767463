// verdict: accept
// A 16-bit checksum over up to 1,400 packet bytes, reached on several paths that differ
// in a constant (where the result is stored), as xvs's request path (loop_retry_test.cpp).
// csum_entries: the walk gives up at the loop (each entry is ~700 trips), and the loop
// pass proves it, for arrivals from outside a loop are joined without widening: the six
// offsets stay 32..52 rather than a widening threshold past the 64 bytes checked.
// csum_entries_var_base: the loop's base pointer has a variable offset (0 or 4) and clang
// rotates the loop (the read at its head, the data_end check at its back edge); the loop
// pass proves it from `base + n + 40 <= len`, a sum carried round the loop and a widening
// threshold from the read's own gap. csum_entries_tight_base: each entry checks exactly
// the bytes of the first read, so after the entries are joined the head needs
// `base + n + 36 <= len`, a sum of two values neither entry computed: the loop pass
// fails, and the walk goes on from where it gave up. Own code.
// reject_packet_loop_var_base.c includes this file with INET_READ set to a 4-byte read
// (csum_var_base_overread).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define MAX_BYTES 1400
#define KEEP(x) asm volatile("" : "+r"(x))
#ifndef INET_READ
#define INET_READ __u16
#define WITH_ACCEPTED_PROGRAMS
#endif

static __always_inline __u32 inet_sum(void *from, void *end) {
    __u16 *p = from;
    __u32 c = 0;
    for (int n = 0; n < MAX_BYTES; n += 2) {
        if ((void *)(p + 1) > end)
            break;
        c += *(INET_READ *)p; // REJECT where INET_READ is wider than the 2 bytes checked
        p++;
    }
    return c;
}

static __always_inline __u16 fold(__u32 c) {
    c = (c >> 16) + (c & 0xffff);
    c += c >> 16;
    return ~c;
}

#ifdef WITH_ACCEPTED_PROGRAMS
static __always_inline __u32 sum16(__u8 *from, void *end) {
    __u32 c = 0;
    for (int n = 0; n < MAX_BYTES; n += 2) {
        if ((void *)(from + n + 2) > end)
            break;
        c += *(__u16 *)(from + n);
    }
    return c;
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

#endif

// The checksum from base + 20 (base: data + 14, or data + 18), stored at one of four
// offsets: eight paths into inet_sum's loop. `checked` bytes of the packet are checked
// first, then `base_checked` from the base (none if 0).
static __always_inline int csum_over_base(struct xdp_md *ctx, __u32 checked, __u32 base_checked, __u64 at,
                                          __u64 step) {
    __u8 *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    if ((void *)(data + checked) > end)
        return XDP_PASS;
    __u8 *base = data + 14;
    if (data[0] & 1)
        base += 4;
    if (base_checked && (void *)(base + base_checked) > end)
        return XDP_PASS;
    switch (data[1]) {
    case 7: at += step; KEEP(at); break;
    case 9: at += 2 * step; KEEP(at); break;
    case 11: at += 3 * step; KEEP(at); break;
    }
    __u32 c = inet_sum(base + 20, end);
    *(__u16 *)(data + at) = fold(c);
    return XDP_TX;
}

#ifdef WITH_ACCEPTED_PROGRAMS
SEC("xdp")
int csum_entries_var_base(struct xdp_md *ctx) {
    return csum_over_base(ctx, 64, 0, 32, 4);
}

SEC("xdp")
int csum_entries_tight_base(struct xdp_md *ctx) {
    return csum_over_base(ctx, 36, 22, 28, 2);
}
#else
SEC("xdp")
int csum_var_base_overread(struct xdp_md *ctx) {
    return csum_over_base(ctx, 64, 0, 32, 4);
}
#endif

char _license[] SEC("license") = "GPL";
