/* The kernel's view of a bench program: its body (BENCH_ENTRY, inlined) runs on one
 * map value as `mem` (the value is the input's size) and an unknown `len`, inside an XDP
 * program that `bpftool prog loadall` can load. Both verifiers then judge the same loops:
 * run.sh loads each object into the kernel and into `ebpfjit verify`. */
#ifndef EBPFJIT_KERNEL_WRAPPER_H
#define EBPFJIT_KERNEL_WRAPPER_H

#define BENCH_KERNEL_WRAPPER 1
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define KERNEL_WRAPPER(name)                                                              \
    struct {                                                                              \
        __uint(type, BPF_MAP_TYPE_ARRAY);                                                 \
        __uint(max_entries, 1);                                                           \
        __type(key, __u32);                                                               \
        __type(value, u8[bench_##name##_input_size]);                                     \
    } input_##name SEC(".maps");                                                          \
    SEC("xdp") int kernel_##name(struct xdp_md *ctx) {                                    \
        __u32 key = 0;                                                                    \
        u8 *mem = bpf_map_lookup_elem(&input_##name, &key);                               \
        if (!mem) return XDP_ABORTED;                                                     \
        /* an unknown length, as in a `mem` program */                                    \
        u64 len = ctx->ingress_ifindex;                                                   \
        return (int)(bench_##name(mem, len) & 3);                                         \
    }                                                                                     \
    char LICENSE[] SEC("license") = "Dual MIT/GPL";

#endif
