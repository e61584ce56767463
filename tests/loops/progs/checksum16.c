/* The 16-bit ones' complement sum (RFC 1071) of the 16-bit words after a header of 20
 * bytes, or 24 when the first byte's low bit says so (an IPv4 header with options), as
 * xvs's checksum. clang reads at the loop's head and checks the end at its back edge, so
 * the loop pass must carry `start + 2n + 2 <= len` round the loop; the entry's own check
 * (len >= 64) hides it for the first trips, and the start differs per entry. Rejected
 * before session 17 (docs/loop-verification.md). */
#include "loop_program.h"

#define MAX_WORDS (1 << 20)

LOOP_ENTRY(checksum16) {
    if (len < 64) return 0; /* a minimum packet, more than the header */
    const u16 *p = (const u16 *)(mem + ((mem[0] & 1) ? 24 : 20));
    const u64 end = (u64)mem + len; /* addresses as numbers: p + 1 may lie past the end */
    u64 sum = 0;
    for (u64 n = 0; n < MAX_WORDS; n++) {
#ifdef LOOP_UNSAFE_TWIN
        if ((u64)p + 1 > end) break; /* BUG: the word's second byte may lie past the end */
#else
        if ((u64)p + 2 > end) break;
#endif
        sum += *p;
        p++;
    }
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return (u16)~sum;
}
