/* A histogram of the input's high nibbles in a stack table, returned as a mix. */
#include "loop_program.h"

LOOP_ENTRY(histogram) {
    u32 hist[16] = {0};
    for (u64 i = 0; i < len; i++) {
#ifdef LOOP_UNSAFE_TWIN
        hist[mem[i] >> 3]++; /* BUG: indexes 0..31 of a 16-entry table: writes past it */
#else
        hist[mem[i] >> 4]++;
#endif
    }
    u64 mix = 0;
    for (int b = 0; b < 16; b++) mix = mix * 1000003u + hist[b];
    return mix;
}
