#include <linux/bpf.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <set>

#include "helper_test_support.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {
uint64_t now(clockid_t c) {
    timespec ts{};
    clock_gettime(c, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}
} // namespace

TEST_CASE("get_prandom_u32 returns varying 32-bit values", "[helpers][identity]") {
    std::set<uint64_t> seen;
    for (int i = 0; i < 64; ++i) {
        uint64_t v = call(BPF_FUNC_get_prandom_u32);
        CHECK(v <= 0xffffffffull);
        seen.insert(v);
    }
    CHECK(seen.size() > 32);
}

TEST_CASE("get_smp_processor_id is the worker's per-CPU slot", "[helpers][identity]") {
    CHECK(call(BPF_FUNC_get_smp_processor_id) == 0); // outside a run
    RunScope run(ProgramType::Xdp, nullptr, 5);
    CHECK(call(BPF_FUNC_get_smp_processor_id) == 5);
}

TEST_CASE("get_numa_node_id matches getcpu", "[helpers][identity]") {
    unsigned cpu = 0, node = 0;
    REQUIRE(getcpu(&cpu, &node) == 0);
    CHECK(call(BPF_FUNC_get_numa_node_id) == node);
}

TEST_CASE("get_current_pid_tgid and uid_gid describe the host process", "[helpers][identity]") {
    uint64_t v = call(BPF_FUNC_get_current_pid_tgid);
    CHECK((v >> 32) == uint64_t(getpid()));
    CHECK((v & 0xffffffff) == uint64_t(gettid()));
    uint64_t ug = call(BPF_FUNC_get_current_uid_gid);
    CHECK((ug >> 32) == getgid());
    CHECK((ug & 0xffffffff) == getuid());
}

// The id the kernel reports for the thread's cgroup is its directory's inode in a cgroup2
// mount (unified at /sys/fs/cgroup, or hybrid at /sys/fs/cgroup/unified); 0 without one.
TEST_CASE("get_current_cgroup_id is the thread's cgroup2 directory inode", "[helpers][identity]") {
    std::ifstream in("/proc/thread-self/cgroup");
    std::string line, path;
    while (std::getline(in, line))
        if (line.rfind("0::", 0) == 0) path = line.substr(3);
    uint64_t expected = 0;
    for (const char* mount : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
        struct statfs fs{};
        struct stat st{};
        if (path.empty() || statfs(mount, &fs) != 0 || fs.f_type != 0x63677270) continue;
        if (stat((std::string(mount) + path).c_str(), &st) == 0) expected = st.st_ino;
        break;
    }
    INFO("cgroup " << path << ", expected id " << expected);
    CHECK(call(BPF_FUNC_get_current_cgroup_id) == expected);
}

TEST_CASE("get_current_comm copies the thread name, NUL padded and truncated", "[helpers][identity]") {
    char old[16] = {};
    prctl(PR_GET_NAME, old);
    prctl(PR_SET_NAME, "ebpf-worker");
    char buf[16];
    std::memset(buf, 'x', sizeof buf);
    CHECK(call(BPF_FUNC_get_current_comm, addr(buf), sizeof buf) == 0);
    CHECK(std::string(buf) == "ebpf-worker");
    CHECK(buf[15] == '\0');
    char small[5];
    CHECK(call(BPF_FUNC_get_current_comm, addr(small), sizeof small) == 0);
    CHECK(std::string(small) == "ebpf");
    CHECK(as_long(call(BPF_FUNC_get_current_comm, addr(small), 0)) == -EINVAL);
    prctl(PR_SET_NAME, old);
}

TEST_CASE("clock helpers follow their clocks", "[helpers][identity]") {
    uint64_t before = now(CLOCK_BOOTTIME);
    uint64_t boot = call(BPF_FUNC_ktime_get_boot_ns);
    CHECK(boot >= before);
    CHECK(boot <= now(CLOCK_BOOTTIME));

    before = now(CLOCK_TAI);
    uint64_t tai = call(BPF_FUNC_ktime_get_tai_ns);
    CHECK(tai >= before);
    CHECK(tai <= now(CLOCK_TAI));

    uint64_t j1 = call(BPF_FUNC_jiffies64);
    uint64_t ms = now(CLOCK_MONOTONIC_COARSE) / 1'000'000;
    CHECK(j1 <= ms);
    CHECK(ms - j1 < 100);
    CHECK(call(BPF_FUNC_jiffies64) >= j1);
}

// No packet program runs in a task; mem programs and the cgroup socket hooks (called from
// the task's socket calls, the kernel's cgroup_current_func_proto) do.
TEST_CASE("task identity helpers are limited to mem programs and the cgroup socket hooks", "[helpers][identity]") {
    for (int id : {BPF_FUNC_get_current_pid_tgid, BPF_FUNC_get_current_uid_gid,
                   BPF_FUNC_get_current_comm, BPF_FUNC_get_current_cgroup_id}) {
        CHECK(helper(id).allowed == (mask_of(ProgramType::Mem) | mask_of(ProgramType::CgroupSockAddr) |
                                     mask_of(ProgramType::CgroupSock)));
    }
    CHECK(helper(BPF_FUNC_get_prandom_u32).allowed == kAllProgramTypes);
}
