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

/* `ebpfjit bench --peers` (bench/harness/peer_kernel.cpp): the body runs on the input inside
 * one map value, with `len` read from it too (unknown to the verifier, as in a `mem`
 * program), and every run's full r0 is compared with the answer native gave, which the
 * harness stores beside it: `mismatches` counts the runs that differ. XDP_PASS always,
 * so BPF_PROG_TEST_RUN's retval says nothing; the map holds the answers. */
#define KERNEL_RUN_WRAPPER(name)                                                          \
    struct bench_state {                                                                  \
        __u64 len, expected, result, mismatches;                                          \
        u8 mem[bench_##name##_input_size];                                                \
    };                                                                                    \
    struct {                                                                              \
        __uint(type, BPF_MAP_TYPE_ARRAY);                                                 \
        __uint(max_entries, 1);                                                           \
        __type(key, __u32);                                                               \
        __type(value, struct bench_state);                                                \
    } bench_state SEC(".maps");                                                           \
    SEC("xdp") int bench_xdp(struct xdp_md *ctx) {                                        \
        (void)ctx;                                                                        \
        __u32 key = 0;                                                                    \
        struct bench_state *s = bpf_map_lookup_elem(&bench_state, &key);                  \
        if (!s) return XDP_ABORTED;                                                       \
        __u64 r0 = bench_##name(s->mem, s->len);                                          \
        s->result = r0;                                                                   \
        if (r0 != s->expected) s->mismatches++;                                           \
        return XDP_PASS;                                                                  \
    }                                                                                     \
    char LICENSE[] SEC("license") = "Dual MIT/GPL";
#define KERNEL_RUN_WRAPPER_OF(name) KERNEL_RUN_WRAPPER(name)

#endif
