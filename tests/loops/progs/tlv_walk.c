/* A type-length-value walk: [type u8][length u8][length bytes], the stride from the data.
 * Sums each value's bytes (xored with its type) and counts the records. */
#include "loop_program.h"

LOOP_ENTRY(tlv_walk) {
    u64 off = 0, sum = 0, records = 0;
    while (off + 2 <= len) {
        u8 type = mem[off];
        u8 l = mem[off + 1];
#ifndef LOOP_UNSAFE_TWIN /* BUG (twin): the stride from the data is never checked */
        if (off + 2 + l > len) break;
#endif
        for (u64 k = 0; k < l; k++) sum += mem[off + 2 + k] ^ type;
        off += 2 + l;
        records++;
    }
    return sum * 1000003u + records;
}
