/* Run-length encoding of the input's top two bits into a bounded stack buffer of
 * (value, run) pairs; returns a hash of the encoding and how much input it covered. */
#include "loop_program.h"

LOOP_ENTRY(rle) {
    u8 out[128];
    u64 o = 0, i = 0;
#ifdef LOOP_UNSAFE_TWIN
    while (i < len && o <= sizeof out) { /* BUG: o = 128 writes out[128] and out[129] */
#else
    while (i < len && o + 2 <= sizeof out) {
#endif
        u8 b = mem[i] >> 6;
        u64 run = 1;
        while (i + run < len && (mem[i + run] >> 6) == b && run < 255) run++;
        out[o] = b;
        out[o + 1] = (u8)run;
        o += 2;
        i += run;
    }
    u64 h = 0;
    for (u64 k = 0; k < o; k++) h = h * 31 + out[k];
    return (h << 20) ^ i;
}
