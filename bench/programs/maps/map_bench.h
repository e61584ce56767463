/* Map and helper micro-benchmarks: `mem` programs that loop OPS times over one map
 * operation (or one helper call), so ns per op = ns per run / OPS. BPF only: there is
 * no native build (a native caller would not go through the helper ABI being measured);
 * the JIT's answers are checked against the interpreter's instead.
 *
 * Keys 0..OPS-1, u32 keys and u64 values. `lookup` inserts a missing key on the way, so
 * after the harness's warm-up run every lookup hits. `update_delete` inserts and removes
 * the same key, so every delete finds its key (a delete alone would only hit once).
 */
#ifndef EBPFJIT_BENCH_MAP_BENCH_H
#define EBPFJIT_BENCH_MAP_BENCH_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

typedef unsigned int u32;
typedef unsigned long long u64;

#define OPS 256

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define MAP_DEF(map_type)                      \
    struct {                                   \
        __uint(type, map_type);                \
        __uint(max_entries, OPS);              \
        __type(key, u32);                      \
        __type(value, u64);                    \
    } bench_map SEC(".maps")

#define MAP_LOOKUP(name)                                                     \
    SEC("mem") u64 bench_map_##name##_lookup(void *mem, u64 len) {           \
        u64 sum = 0;                                                         \
        for (u32 i = 0; i < OPS; ++i) {                                      \
            u32 key = i;                                                     \
            u64 *value = bpf_map_lookup_elem(&bench_map, &key);              \
            if (value) {                                                     \
                sum += *value;                                               \
            } else {                                                         \
                u64 fresh = i;                                               \
                bpf_map_update_elem(&bench_map, &key, &fresh, BPF_ANY);      \
            }                                                                \
        }                                                                    \
        return sum;                                                          \
    }

#define MAP_UPDATE(name)                                                     \
    SEC("mem") u64 bench_map_##name##_update(void *mem, u64 len) {           \
        u64 failures = 0;                                                    \
        for (u32 i = 0; i < OPS; ++i) {                                      \
            u32 key = i;                                                     \
            u64 value = i * 3;                                               \
            failures += bpf_map_update_elem(&bench_map, &key, &value, BPF_ANY) != 0; \
        }                                                                    \
        return failures;                                                     \
    }

#define MAP_UPDATE_DELETE(name)                                              \
    SEC("mem") u64 bench_map_##name##_update_delete(void *mem, u64 len) {    \
        u64 failures = 0;                                                    \
        for (u32 i = 0; i < OPS; ++i) {                                      \
            u32 key = i;                                                     \
            u64 value = i;                                                   \
            failures += bpf_map_update_elem(&bench_map, &key, &value, BPF_ANY) != 0; \
            failures += bpf_map_delete_elem(&bench_map, &key) != 0;          \
        }                                                                    \
        return failures;                                                     \
    }

#endif
