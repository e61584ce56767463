// 1,000 XDP programs and 1,000 maps in one object, as a large generated policy bundle
// would be: program_NNN adds NNN + 1 to slot 0 of its own array map_NNN, so a test can
// tell that every program found its own map after relocation.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define PROGRAM_AND_MAP(a, b, c)                                                         \
    struct {                                                                             \
        __uint(type, BPF_MAP_TYPE_ARRAY);                                                \
        __uint(max_entries, 1);                                                          \
        __type(key, __u32);                                                              \
        __type(value, __u64);                                                            \
    } map_##a##b##c SEC(".maps");                                                        \
    SEC("xdp") int program_##a##b##c(struct xdp_md *ctx)                                 \
    {                                                                                    \
        __u32 zero = 0;                                                                  \
        __u64 *slot = bpf_map_lookup_elem(&map_##a##b##c, &zero);                        \
        if (!slot)                                                                       \
            return XDP_ABORTED;                                                          \
        *slot += a * 100 + b * 10 + c + 1;                                               \
        return XDP_PASS;                                                                 \
    }

#define TEN(a, b)                                                                        \
    PROGRAM_AND_MAP(a, b, 0) PROGRAM_AND_MAP(a, b, 1) PROGRAM_AND_MAP(a, b, 2)           \
    PROGRAM_AND_MAP(a, b, 3) PROGRAM_AND_MAP(a, b, 4) PROGRAM_AND_MAP(a, b, 5)           \
    PROGRAM_AND_MAP(a, b, 6) PROGRAM_AND_MAP(a, b, 7) PROGRAM_AND_MAP(a, b, 8)           \
    PROGRAM_AND_MAP(a, b, 9)
#define HUNDRED(a)                                                                       \
    TEN(a, 0) TEN(a, 1) TEN(a, 2) TEN(a, 3) TEN(a, 4) TEN(a, 5) TEN(a, 6) TEN(a, 7)      \
    TEN(a, 8) TEN(a, 9)

HUNDRED(0) HUNDRED(1) HUNDRED(2) HUNDRED(3) HUNDRED(4)
HUNDRED(5) HUNDRED(6) HUNDRED(7) HUNDRED(8) HUNDRED(9)
