/* memcpy: a byte loop copying 1 MiB from the first half of the input to the second.
 * Returns a checksum of a few copied bytes so the result depends on the copy. */
#include "bench_program.h"

#define SIZE (1u << 20)

BENCH_ENTRY(memcpy) {
    if (len < 2 * (u64)SIZE) return 0;
    const u8 *src = mem;
    u8 *dst = mem + SIZE;
    for (u32 i = 0; i < SIZE; ++i) dst[i] = src[i];
    return ((u64)dst[0] << 24) | ((u64)dst[SIZE / 2] << 16) | ((u64)dst[SIZE - 2] << 8) | dst[SIZE - 1];
}

BENCH_INPUT(memcpy, 2 * SIZE) {
    u64 state = 42;
    for (u64 i = 0; i < len; ++i) mem[i] = (u8)bench_random(&state);
}
