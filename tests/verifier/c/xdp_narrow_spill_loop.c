// verdict: accept
// A loop whose counter lives in a 4-byte stack slot (the kernel's narrow spill,
// save_register_state with size 4), as Calico's IPv6 extension-header loop keeps it:
// the fill gives the counter back, so the walk ends the loop after 8 trips.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int ext_headers(struct xdp_md *ctx) {
    unsigned char *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    volatile __u32 i __attribute__((aligned(8))); // *(u32 *)(r10 - 8): stored and filled each trip
    __u32 off = 0;
    for (i = 0; i < 8; i++) {
        if (off > 256) return XDP_DROP;
        unsigned char *p = data + off;
        if (p + 2 > end) return XDP_PASS;
        if (p[0] == 59) break;
        off += (__u32)(p[1] + 1) * 8;
    }
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
