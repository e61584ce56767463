/* Division and modulo by constants (not a map: an ALU micro-benchmark that shares the
 * OPS-loop harness). Each of the OPS iterations does four unsigned divisions by
 * constants, 64- and 32-bit; clang keeps them as BPF div/mod (the BPF target has no
 * multiply-high), so the JIT's own lowering decides their cost. */
#include "map_bench.h"

SEC("mem") u64 bench_alu_divide_const(void *mem, u64 len) {
    u64 x = len * 0x9e3779b97f4a7c15ULL + 12345;
    u64 acc = 0;
    for (u32 i = 0; i < OPS; ++i) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        u32 y = (u32)(x >> 17);
        acc += x / 10 + x % 1000 + y / 7 + y % 13;
    }
    return acc;
}
