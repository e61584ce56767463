#include "bench/harness/timing.hpp"

namespace ebpfjit::runtime {

Timing summarize(std::vector<double> batch_ns, uint64_t calls) {
    Timing t;
    if (batch_ns.empty() || calls == 0) return t;
    std::sort(batch_ns.begin(), batch_ns.end());
    const size_t n = batch_ns.size();
    const double median = n % 2 ? batch_ns[n / 2] : (batch_ns[n / 2 - 1] + batch_ns[n / 2]) / 2;
    t.median_ns = median / static_cast<double>(calls);
    t.min_ns = batch_ns.front() / static_cast<double>(calls);
    t.runs = calls * n;
    t.batches = static_cast<uint32_t>(n);
    return t;
}

} // namespace ebpfjit::runtime
