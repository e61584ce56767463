/* prime: count the primes below 10,000 by trial division; the answer is 1230.
 * As in the common userspace-eBPF suite, n runs from 1, and 1 (which has no divisor
 * d >= 2) counts too: pi(10,000) = 1229, plus 1. The limit comes from the input so no
 * compiler can fold the loop away. */
#include "bench_program.h"

BENCH_ENTRY(prime) {
    if (len < 8) return 0;
    u32 limit = *(const u32 *)mem;
    if (limit > 10000) limit = 10000;
    u64 count = 0;
    for (u32 n = 1; n < limit; ++n) {
        int is_prime = 1;
        for (u32 d = 2; d * d <= n; ++d) {
            if (n % d == 0) {
                is_prime = 0;
                break;
            }
        }
        count += is_prime;
    }
    return count;
}

BENCH_INPUT(prime, 8) {
    (void)len;
    *(u32 *)mem = 10000;
}
