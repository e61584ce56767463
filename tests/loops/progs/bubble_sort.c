/* Bubble sort of 32 stack words: nested loops with constant bounds (31 * 32 / 2 compares),
 * filled from the input where it is long enough. */
#include "loop_program.h"

#define N 32

LOOP_ENTRY(bubble_sort) {
    u32 a[N];
    for (u32 k = 0; k < N; k++) a[k] = (k < len ? mem[k] : 0) * 2654435761u + k;
    for (u32 i = 0; i < N - 1; i++) {
#ifdef LOOP_UNSAFE_TWIN
        for (u32 j = 0; j < N - i; j++) { /* BUG: j + 1 reaches N: reads and writes a[32] */
#else
        for (u32 j = 0; j < N - 1 - i; j++) {
#endif
            if (a[j] > a[j + 1]) {
                u32 t = a[j];
                a[j] = a[j + 1];
                a[j + 1] = t;
            }
        }
    }
    u64 h = 0;
    for (u32 k = 0; k < N; k++) h = h * 1000003u + a[k];
    return h;
}
