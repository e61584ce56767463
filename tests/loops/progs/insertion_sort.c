/* Insertion sort of the first min(len, 32) input bytes, as signed bytes, in a stack array.
 * (The xor keeps clang from turning the copy loop into a memcpy call, which BPF lacks.) */
#include "loop_program.h"

#define N 32

LOOP_ENTRY(insertion_sort) {
    u8 a[N];
    u64 n = len < N ? len : N;
    for (u64 i = 0; i < n; i++) a[i] = mem[i] ^ 0x80;
    for (u64 i = 1; i < n; i++) {
        u8 x = a[i];
        u64 j = i;
        while (j > 0 && a[j - 1] > x) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
    u64 h = 5381;
#ifdef LOOP_UNSAFE_TWIN
    for (u64 i = 0; i <= n; i++) h = h * 33 + a[i]; /* BUG: reads a[n], a[32] when n = 32 */
#else
    for (u64 i = 0; i < n; i++) h = h * 33 + a[i];
#endif
    return h ^ n;
}
