/* log2_int: XOR of a branch-free integer log2 over 1,024 random u64 in the input. */
#include "bench_program.h"

#define COUNT 1024

static inline __attribute__((always_inline)) u64 log2_u64(u64 v) {
    u64 r, shift;
    r = (v > 0xFFFFFFFFULL) << 5; v >>= r;
    shift = (v > 0xFFFF) << 4; v >>= shift; r |= shift;
    shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
    shift = (v > 0xF) << 2; v >>= shift; r |= shift;
    shift = (v > 0x3) << 1; v >>= shift; r |= shift;
    r |= (v >> 1);
    return r;
}

BENCH_ENTRY(log2_int) {
    if (len < COUNT * 8) return 0;
    const u64 *values = (const u64 *)mem;
    u64 result = 0;
    for (int i = 0; i < COUNT; ++i) result ^= log2_u64(values[i]);
    return result;
}

BENCH_INPUT(log2_int, COUNT * 8) {
    u64 state = 0x9E3779B97F4A7C15ULL;
    u64 *values = (u64 *)mem;
    for (u64 i = 0; i < len / 8; ++i) values[i] = bench_random(&state) >> (bench_random(&state) & 63);
}
