// Randomness, CPU/NUMA placement, clocks and the identity of the host process: the
// userspace readings of what the kernel helpers report about the current task.
#include <linux/bpf.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <string>

#include "helpers/helper_families.hpp"
#include "helpers/helper_table.hpp"
#include "engine_abi/execution_state.hpp"

namespace ebpfjit::helpers {
namespace {

// jiffies tick rate reported by bpf_jiffies64 (the kernel's CONFIG_HZ varies; 1000 gives
// millisecond jiffies on the monotonic clock).
constexpr uint64_t kJiffiesHz = 1000;

uint64_t clock_ns(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

// The kernel keeps a per-CPU prandom state; we keep one per thread, seeded from the OS, so
// workers never share or contend. Not cryptographic, as documented for the helper.
uint64_t get_prandom_u32(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
    thread_local std::mt19937 rng{std::random_device{}()};
    return uint32_t(rng());
}

uint64_t get_smp_processor_id(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
    const auto* st = engine_abi::ExecutionState::current();
    return st ? st->cpu : 0;
}

uint64_t get_numa_node_id(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
    unsigned cpu = 0, node = 0;
    if (getcpu(&cpu, &node) != 0) return 0;
    return node;
}

uint64_t get_current_pid_tgid(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
    return (uint64_t(uint32_t(getpid())) << 32) | uint32_t(gettid());
}

uint64_t get_current_uid_gid(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
    return (uint64_t(getgid()) << 32) | uint32_t(getuid());
}

// The calling thread's name (the kernel's task->comm), NUL-padded to size as strscpy_pad.
uint64_t get_current_comm(uint64_t buf, uint64_t size, uint64_t, uint64_t, uint64_t) {
    auto* out = reinterpret_cast<char*>(buf);
    if (size == 0) return uint64_t(-EINVAL);
    char comm[16] = {};
    if (prctl(PR_GET_NAME, comm) != 0) {
        std::memset(out, 0, size);
        return uint64_t(-EINVAL);
    }
    const size_t n = std::min<size_t>(strnlen(comm, sizeof comm), size - 1);
    std::memcpy(out, comm, n);
    std::memset(out + n, 0, size - n);
    return 0;
}

// The calling thread's cgroup v2 id, as the kernel's bpf_get_current_cgroup_id: the id of
// its cgroup in the default hierarchy, which is the inode number of that cgroup's directory
// in a cgroup2 mount (kernfs ids are inode numbers). Read afresh at every call
// (/proc/thread-self/cgroup's "0::" line, then a statfs and a stat; a few µs): a thread moved
// to another cgroup reports the new one, as in the kernel. 0 where no cgroup2 filesystem is
// mounted at /sys/fs/cgroup (unified) or /sys/fs/cgroup/unified (hybrid), or the line is
// missing (the kernel always has an id: its root cgroup's is 1).
uint64_t get_current_cgroup_id(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
    constexpr long kCgroup2Magic = 0x63677270; // CGROUP2_SUPER_MAGIC
    std::ifstream in("/proc/thread-self/cgroup");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("0::", 0) != 0) continue;
        for (const char* mount : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
            struct statfs fs{};
            if (statfs(mount, &fs) != 0 || long(fs.f_type) != kCgroup2Magic) continue;
            struct stat st{};
            const std::string dir = std::string(mount) + line.substr(3);
            return stat(dir.c_str(), &st) == 0 ? uint64_t(st.st_ino) : 0;
        }
        return 0;
    }
    return 0;
}

uint64_t jiffies64(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
    return clock_ns(CLOCK_MONOTONIC_COARSE) / (1'000'000'000ull / kJiffiesHz);
}

uint64_t ktime_get_boot_ns(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
    return clock_ns(CLOCK_BOOTTIME);
}

uint64_t ktime_get_tai_ns(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
    return clock_ns(CLOCK_TAI);
}

constexpr Prototype kNoArgs{RetType::Integer, {}};

// bpf_get_current_*: tracing helpers in the kernel; of our types the unrestricted
// userspace `mem` type and the cgroup socket hooks, which run in the calling task (the
// kernel's cgroup_current_func_proto), may call them; no packet program runs in a task.
constexpr ProgramTypeMask kTaskContext =
    mask_of(ProgramType::Mem) | mask_of(ProgramType::CgroupSockAddr) | mask_of(ProgramType::CgroupSock);

} // namespace

void register_identity_helpers(HelperTable& t) {
    t.add({BPF_FUNC_get_prandom_u32, "get_prandom_u32", kNoArgs, kAllProgramTypes, get_prandom_u32});
    t.add({BPF_FUNC_get_smp_processor_id, "get_smp_processor_id", kNoArgs, kAllProgramTypes,
           get_smp_processor_id});
    t.add({BPF_FUNC_get_numa_node_id, "get_numa_node_id", kNoArgs, kAllProgramTypes, get_numa_node_id});
    t.add({BPF_FUNC_get_current_pid_tgid, "get_current_pid_tgid", kNoArgs, kTaskContext,
           get_current_pid_tgid});
    t.add({BPF_FUNC_get_current_uid_gid, "get_current_uid_gid", kNoArgs, kTaskContext,
           get_current_uid_gid});
    t.add({BPF_FUNC_get_current_comm, "get_current_comm",
           Prototype{RetType::Integer, {ArgType::PtrToUninitMem, ArgType::ConstSize}}, kTaskContext,
           get_current_comm});
    t.add({BPF_FUNC_get_current_cgroup_id, "get_current_cgroup_id", kNoArgs, kTaskContext,
           get_current_cgroup_id});
    t.add({BPF_FUNC_jiffies64, "jiffies64", kNoArgs, kAllProgramTypes, jiffies64});
    t.add({BPF_FUNC_ktime_get_boot_ns, "ktime_get_boot_ns", kNoArgs, kAllProgramTypes, ktime_get_boot_ns});
    t.add({BPF_FUNC_ktime_get_tai_ns, "ktime_get_tai_ns", kNoArgs, kAllProgramTypes, ktime_get_tai_ns});
}

} // namespace ebpfjit::helpers
