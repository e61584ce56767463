/* Binary search of every 16-bit little-endian word of the input in a sorted .rodata
 * table: sums the insertion points and counts the hits. The table ends below 65535, so a
 * key above its last entry takes lo to N (the twin's bug is reachable). */
#include "loop_program.h"

#define N 64

static const u32 table[N] = {
    0,     17,    211,   997,   1500,  2048,  3001,  4096,  5003,  6151,  7001,  8192,  9001,
    10007, 11003, 12289, 13001, 14009, 15013, 16384, 17011, 18013, 19001, 20011, 21013, 22003,
    23003, 24001, 25013, 26003, 27011, 28001, 29009, 30011, 31013, 32768, 33013, 34019, 35023,
    36007, 37003, 38011, 39019, 40009, 41011, 42013, 43003, 44017, 45007, 46021, 47017, 48017,
    49003, 50021, 51001, 52009, 53003, 54001, 55001, 56003, 57007, 60013, 63001, 65000,
};

LOOP_ENTRY(bsearch_rodata) {
    u64 positions = 0, hits = 0;
    for (u64 i = 0; i + 2 <= len; i += 2) {
        u32 key = (u32)mem[i] | (u32)mem[i + 1] << 8;
        u32 lo = 0, hi = N;
        while (lo < hi) {
            u32 mid = (lo + hi) / 2;
            if (table[mid] < key) lo = mid + 1;
            else hi = mid;
        }
        positions += lo;
#ifdef LOOP_UNSAFE_TWIN
        if (table[lo] == key) hits++; /* BUG: lo = N (key above the table) reads table[64] */
#else
        if (lo < N && table[lo] == key) hits++;
#endif
    }
    return positions * 100000 + hits;
}
