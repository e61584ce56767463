/* CRC-32 (IEEE, bitwise) over the whole input: the loop runs to the input's length. */
#include "loop_program.h"

LOOP_ENTRY(crc32) {
    u32 crc = 0xffffffffu;
#ifdef LOOP_UNSAFE_TWIN
    for (u64 i = 0; i <= len; i++) { /* BUG: off by one, reads mem[len] */
#else
    for (u64 i = 0; i < len; i++) {
#endif
        crc ^= mem[i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}
