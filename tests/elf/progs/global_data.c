// Global variables in .data, .rodata, .bss and a custom .rodata.* section, reached
// through LDDW map-value relocations. Variables are grouped in structs so that their
// offsets inside each section follow from C layout rules alone.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct data_vars {
    __u64 packets;
    __u32 hidden;
};
struct bss_vars {
    __u64 bytes;
    __u32 drops[4];
};
struct ro_vars {
    __u32 limit;
    __u32 threshold;
};

struct data_vars counters = { .packets = 5, .hidden = 9 };                 // .data
struct bss_vars totals;                                                    // .bss
const volatile struct ro_vars config = { .limit = 100, .threshold = 7 };   // .rodata
const volatile __u64 custom SEC(".rodata.cfg") = 0x1122334455667788ULL;   // .rodata.cfg
static volatile __u32 hidden_static = 3; // .data, reached through the section symbol + imm

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int use_globals(struct xdp_md *ctx)
{
    __u32 len = ctx->data_end - ctx->data;
    counters.packets++;
    counters.hidden += 1;
    hidden_static += 2;
    totals.bytes += len;
    if (len > config.limit) {
        totals.drops[2]++;
        return XDP_DROP;
    }
    if (len < config.threshold)
        return (int)custom;
    return XDP_PASS;
}
