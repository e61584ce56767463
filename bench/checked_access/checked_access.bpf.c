/* The programs of bench_checked_access. Their 1 MiB loops are beyond the full verifier's
 * 64 KiB mem range, so they run structurally verified: every load and store is checked.
 *   copy:  the suite's memcpy (bench/programs/memcpy.c), a byte loop from the first
 *          MiB of the input to the second (a load and a store per byte);
 *   mixed: the same copy with a read of a .rodata table and an add into a map value per
 *          byte (four regions in turn: input, input, .rodata, map value). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define SIZE (1u << 20)

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} sums SEC(".maps");

static const volatile __u8 table[16] = {1, 2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47};

SEC("mem") __u64 checked_copy(__u8 *mem, __u64 len) {
    if (len < 2 * (__u64)SIZE) return 0;
    const __u8 *src = mem;
    __u8 *dst = mem + SIZE;
    for (__u32 i = 0; i < SIZE; ++i) dst[i] = src[i];
    return ((__u64)dst[0] << 24) | ((__u64)dst[SIZE / 2] << 16) | ((__u64)dst[SIZE - 2] << 8) | dst[SIZE - 1];
}

SEC("mem") __u64 checked_mixed(__u8 *mem, __u64 len) {
    if (len < 2 * (__u64)SIZE) return 0;
    __u32 key = 0;
    __u64 *sum = bpf_map_lookup_elem(&sums, &key);
    if (!sum) return 0;
    *sum = 0;
    const __u8 *src = mem;
    __u8 *dst = mem + SIZE;
    for (__u32 i = 0; i < SIZE; ++i) {
        dst[i] = src[i];
        *sum += table[i & 15];
    }
    return *sum ^ dst[SIZE - 1];
}
