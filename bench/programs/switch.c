/* switch: a 64-case switch over 4,096 ints from the input, accumulating the results. */
#include "bench_program.h"

#define COUNT 4096

#define CASE(n) case n: acc = acc * 31 + (((n) * 2654435761u) ^ 0x5bd1e995u); break;
#define CASES8(b) CASE(b) CASE(b + 1) CASE(b + 2) CASE(b + 3) CASE(b + 4) CASE(b + 5) CASE(b + 6) CASE(b + 7)

BENCH_ENTRY(switch) {
    if (len < COUNT * 4) return 0;
    const u32 *values = (const u32 *)mem;
    u64 acc = 0;
    for (u32 i = 0; i < COUNT; ++i) {
        switch (values[i] & 63) {
            CASES8(0) CASES8(8) CASES8(16) CASES8(24) CASES8(32) CASES8(40) CASES8(48) CASES8(56)
        }
    }
    return acc;
}

BENCH_INPUT(switch, COUNT * 4) {
    u64 state = 1234;
    u32 *values = (u32 *)mem;
    for (u64 i = 0; i < len / 4; ++i) values[i] = (u32)bench_random(&state);
}
