/* The programs of bench_entry_cost: `simple` calls nothing (its whole body is
 * `r0 = 0x1234; exit`), `lookup` makes one hash-map lookup (a helper call, so its runs
 * need the per-run state: per-CPU slot, current ExecutionState), `trap` is `simple` with
 * an unreachable-code trap (below). All pass the full verifier. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __u64);
} entry_map SEC(".maps");

SEC("mem") __u64 entry_simple(void *mem, __u64 len) { return 0x1234; }

SEC("mem") __u64 entry_lookup(void *mem, __u64 len) {
    __u32 key = 0;
    __u64 *value = bpf_map_lookup_elem(&entry_map, &key);
    return value ? *value : 0;
}

/* `trap`: `simple` behind a branch the verifier proves always taken, so the slot it skips
 * is unreachable: the JIT emits nothing for it and ends it in an unreachable-code trap
 * (docs/hardening.md). What a trap costs a run: compare with `simple`. In assembly so
 * that clang cannot fold the branch away. */
SEC("mem") __u64 entry_trap(void *mem, __u64 len) {
    __u64 r;
    asm volatile("%[r] = 0x1234\n\t"
                 "if %[r] != 5 goto +1\n\t"
                 "%[r] = 7\n\t"
                 : [r] "=r"(r));
    return r;
}
