// Global variables in .data, .rodata, .bss and a custom .rodata.* section, reached
// through LDDW map-value relocations.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 packets = 5;                      // .data
__u64 bytes = 0;                        // .bss
__u32 drops[4];                         // .bss
const volatile __u32 limit = 100;       // .rodata
const volatile __u32 threshold = 7;     // .rodata
const volatile __u64 custom SEC(".rodata.cfg") = 0x1122334455667788ULL;
static volatile __u32 hidden = 9;       // .data, local symbol

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int use_globals(struct xdp_md *ctx)
{
    __u32 len = ctx->data_end - ctx->data;
    packets++;
    bytes += len;
    hidden += 1;
    if (len > limit) {
        drops[2]++;
        return XDP_DROP;
    }
    if (len < threshold)
        return (int)custom;
    return XDP_PASS;
}
