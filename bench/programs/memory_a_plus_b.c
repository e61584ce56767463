/* memory_a_plus_b: load two u32 from the input and return their sum (the classic
 * userspace-eBPF "a + b from memory" test; mostly entry cost plus two loads). */
#include "bench_program.h"

BENCH_ENTRY(memory_a_plus_b) {
    if (len < 8) return 0;
    const u32 *v = (const u32 *)mem;
    return (u64)v[0] + v[1];
}

BENCH_INPUT(memory_a_plus_b, 8) {
    (void)len;
    u32 *v = (u32 *)mem;
    v[0] = 123456789;
    v[1] = 987654321;
}
