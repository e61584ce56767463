/* Occurrences of the byte pattern "GET" in the input (overlapping matches count). */
#include "loop_program.h"

static const u8 pattern[3] = {'G', 'E', 'T'};

LOOP_ENTRY(count_pattern) {
    u64 count = 0;
#ifdef LOOP_UNSAFE_TWIN
    for (u64 i = 0; i < len; i++) { /* BUG: the pattern's tail is read past the end */
#else
    for (u64 i = 0; i + sizeof pattern <= len; i++) {
#endif
        u64 k = 0;
        while (k < sizeof pattern && mem[i + k] == pattern[k]) k++;
        if (k == sizeof pattern) count++;
    }
    return count;
}
