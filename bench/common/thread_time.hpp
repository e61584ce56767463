// CPU time of this thread (CLOCK_THREAD_CPUTIME_ID), for the small benchmarks' "thread
// CPU" column. On the shared build VM (2 cores, often 6-7 times oversubscribed) the
// wall-clock batch means swing by 2× with the other jobs: a batch that is descheduled for a
// time slice counts it. The thread's own CPU time does not (cache and frequency effects of
// the neighbours remain). The hardware cycle counter is not available in this VM (no PMU).
// Header-only and self-contained so that the benchmarks still build against older trees
// for before/after runs.
#pragma once

#include <cstdint>
#include <ctime>

namespace ebpfjit::bench {

inline uint64_t thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

} // namespace ebpfjit::bench
