// verdict: reject packet out of bounds
// Unsafe twin of xdp_checksum_entries.c's csum_entries_var_base (a checksum loop over a
// base pointer whose offset is 0 or 4, entered on several paths; the walk gives up at
// the loop, the loop pass runs, then the walk goes on): each trip reads 4 bytes where its
// data_end check proves 2. Rejected by every pass. Own code.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define MAX_BYTES 1400
#define KEEP(x) asm volatile("" : "+r"(x))

SEC("xdp")
int csum_var_base_overread(struct xdp_md *ctx) {
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
    __u16 *p = (__u16 *)(base + 20);
    __u32 c = 0;
    for (int n = 0; n < MAX_BYTES; n += 2) {
        if ((void *)(p + 1) > end)
            break;
        c += *(__u32 *)p; // REJECT
        p++;
    }
    c = (c >> 16) + (c & 0xffff);
    *(__u16 *)(data + at) = ~c;
    return XDP_TX;
}

char _license[] SEC("license") = "GPL";
