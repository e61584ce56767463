// Timing a piece of code honestly, in-process: warm up, then time batches of calls and
// report the median and the minimum per call. A batch is long enough (target_batch_ns)
// that the clock's own cost and resolution vanish in it, and short enough that many
// batches fit the budget, so the median shrugs off the noise of a shared machine.
//
//   budget_ns ─┬─ warm-up (1/8 of it, at least warmup_runs calls)
//              └─ batches of k calls, k = target_batch_ns / (one call), median/min of
//                 the batch means, between min_batches and max_batches batches
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

namespace ebpfjit::runtime {

struct TimingOptions {
    uint64_t budget_ns = 500'000'000;  // wall time for one measurement, warm-up included
    uint64_t target_batch_ns = 200'000;
    uint32_t warmup_runs = 3;
    uint32_t min_batches = 5;          // taken even when they overrun the budget
    uint32_t max_batches = 2'000;
};

struct Timing {
    double median_ns = 0; // per call: the median batch mean
    double min_ns = 0;    // per call: the fastest batch mean
    uint64_t runs = 0;    // calls timed (warm-up excluded)
    uint32_t batches = 0;
};

// Median and minimum of batch means (ns per call); `batch_ns[i]` timed `calls` calls.
Timing summarize(std::vector<double> batch_ns, uint64_t calls);

inline uint64_t now_ns() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

// Times `call` (any callable; inlined into the batch loop so no indirection is measured).
template <typename Call>
Timing measure(Call&& call, const TimingOptions& options = {}) {
    const uint64_t start = now_ns();
    // Warm-up: caches, branch predictors, page faults, lazily bound symbols.
    uint32_t warm = 0;
    while (warm < options.warmup_runs || now_ns() - start < options.budget_ns / 8) {
        call();
        ++warm;
    }
    const double per_call = static_cast<double>(now_ns() - start) / warm;
    const uint64_t calls = std::max<uint64_t>(1, static_cast<uint64_t>(options.target_batch_ns / std::max(per_call, 1.0)));

    std::vector<double> batch_ns;
    while (batch_ns.size() < options.max_batches &&
           (batch_ns.size() < options.min_batches || now_ns() - start < options.budget_ns)) {
        const uint64_t t0 = now_ns();
        for (uint64_t i = 0; i < calls; ++i) call();
        batch_ns.push_back(static_cast<double>(now_ns() - t0));
    }
    return summarize(std::move(batch_ns), calls);
}

} // namespace ebpfjit::runtime
