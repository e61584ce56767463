/* Shared by strcmp_full and strcmp_fail: input = string a (1 MiB with its NUL), then b. */
#ifndef EBPFJIT_BENCH_STRCMP_COMMON_H
#define EBPFJIT_BENCH_STRCMP_COMMON_H
#include "bench_program.h"

#define STR_SIZE (1u << 20)

/* strcmp's contract: <0, 0, >0 as the first differing byte; returned as (u64)(long). */
static inline __attribute__((always_inline)) u64 bench_strcmp(u8 *mem, u64 len) {
    if (len < 2 * (u64)STR_SIZE) return 0;
    const u8 *a = mem;
    const u8 *b = mem + STR_SIZE;
    for (u32 i = 0; i < STR_SIZE; ++i) {
        u8 ca = a[i], cb = b[i];
        if (ca != cb) return (u64)((long long)ca - (long long)cb);
        if (ca == 0) return 0;
    }
    return 0;
}

/* a == b except b[differ_at] (if inside the string); both end with NUL at the last byte. */
static inline void strcmp_input(u8 *mem, u64 len, u32 differ_at) {
    (void)len;
    u64 state = 7;
    for (u32 i = 0; i + 1 < STR_SIZE; ++i) mem[i] = mem[STR_SIZE + i] = (u8)('a' + bench_random(&state) % 26);
    mem[STR_SIZE - 1] = mem[2 * STR_SIZE - 1] = 0;
    if (differ_at + 1 < STR_SIZE) mem[STR_SIZE + differ_at] = 'A';
}
#endif
