// Several read-only and data sections: clang's mergeable strings (.rodata.str1.1), a
// named .rodata.* and a named .data.* section next to .rodata and .data.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 base = 1000;                       // .rodata
const volatile __u32 scale SEC(".rodata.tuning") = 3;   // .rodata.tuning
__u32 seen SEC(".data.stats") = 5;                      // .data.stats
__u32 runs = 0;                                         // .bss (zero-initialised)
__u32 bonus = 7;                                        // .data

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int read_sections(struct xdp_md *ctx)
{
    const char *word = "ebpfjit"; // .rodata.str1.1
    __u32 i = ctx->rx_queue_index & 3;
    seen += 1;
    runs += 1;
    return base + scale * word[i] + bonus + seen; // queue 0: 1000 + 3*'e' + 7 + 6
}
