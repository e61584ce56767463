/* One helper call: bpf_ktime_get_ns OPS times (a helper with no arguments, so the
 * figure is the call itself: argument moves, the call, the result). */
#include "map_bench.h"

SEC("mem") u64 bench_helper_ktime_get_ns(void *mem, u64 len) {
    u64 previous = 0, backwards = 0;
    for (u32 i = 0; i < OPS; ++i) {
        u64 now = bpf_ktime_get_ns();
        backwards += now < previous;
        previous = now;
    }
    return backwards; /* a monotonic clock never goes back: 0 */
}
