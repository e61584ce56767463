/* A record array on the stack read at a variable offset: struct rec has 3 bytes of
 * padding after `tag` that are never written, so a read of r[x & 7].tag covers
 * uninitialised bytes in the verifier's view (the kernel, privileged, accepts it). */
#include "loop_program.h"

struct rec {
    u8 tag;
    u32 val;
};

LOOP_ENTRY(records) {
    struct rec r[8];
    for (u32 k = 0; k < 8; k++) {
        r[k].tag = (u8)(k * 37 + 11);
        r[k].val = k * 2654435761u;
    }
    u64 acc = 0;
    for (u64 i = 0; i < len; i++) {
        u8 x = mem[i];
#ifdef LOOP_UNSAFE_TWIN
        acc += r[x & 15].tag; /* BUG: records 8..15 do not exist: reads past the array */
#else
        acc += r[x & 7].tag;
#endif
        acc ^= (u64)r[(x >> 3) & 7].val << (x & 7);
    }
    return acc;
}
