// Time helpers: nanosecond clocks, as the kernel's bpf_ktime_get_*_ns.
#include <linux/bpf.h>
#include <time.h>

#include "helpers/helper_families.hpp"
#include "helpers/helper_table.hpp"

namespace ebpfjit::helpers {

namespace {

uint64_t clock_ns(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

// Kernel: ktime_get_mono_fast_ns(), time since boot without suspend.
uint64_t ktime_get_ns(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
    return clock_ns(CLOCK_MONOTONIC);
}
// Kernel: includes time spent in suspend.
uint64_t ktime_get_boot_ns(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
    return clock_ns(CLOCK_BOOTTIME);
}
// Kernel: ktime_get_coarse_ns(), cheaper and tick-granular.
uint64_t ktime_get_coarse_ns(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
    return clock_ns(CLOCK_MONOTONIC_COARSE);
}
uint64_t ktime_get_tai_ns(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
    return clock_ns(CLOCK_TAI);
}

} // namespace

void register_time_helpers(HelperTable& table) {
    const Prototype no_args{RetType::Integer, {}};
    table.add({BPF_FUNC_ktime_get_ns, "ktime_get_ns", no_args, kAllProgramTypes, ktime_get_ns});
    table.add({BPF_FUNC_ktime_get_boot_ns, "ktime_get_boot_ns", no_args, kAllProgramTypes, ktime_get_boot_ns});
    table.add({BPF_FUNC_ktime_get_coarse_ns, "ktime_get_coarse_ns", no_args, kAllProgramTypes, ktime_get_coarse_ns});
    table.add({BPF_FUNC_ktime_get_tai_ns, "ktime_get_tai_ns", no_args, kAllProgramTypes, ktime_get_tai_ns});
}

} // namespace ebpfjit::helpers
