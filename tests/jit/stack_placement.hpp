// Where an address lies, for the eBPF-stack tests: the host thread's stack, the page
// protection /proc/self/maps reports.
#pragma once

#include <pthread.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

namespace ebpfjit::test {

struct AddressRange {
    uint64_t start = 0, end = 0; // [start, end)
    bool overlaps(uint64_t lo, uint64_t hi) const { return lo < end && start < hi; }
};

// The calling thread's stack, as the thread library mapped it.
inline AddressRange host_thread_stack() {
    pthread_attr_t attr;
    AddressRange r;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) return r;
    void* addr = nullptr;
    size_t size = 0;
    if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
        r.start = reinterpret_cast<uint64_t>(addr);
        r.end = r.start + size;
    }
    pthread_attr_destroy(&attr);
    return r;
}

// The permissions ("rw-p", "---p") of the mapping holding `addr`, "" when unmapped.
inline std::string protection_at(uint64_t addr) {
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line)) {
        std::istringstream in(line);
        std::string range, perms;
        in >> range >> perms;
        const auto dash = range.find('-');
        const uint64_t lo = std::stoull(range.substr(0, dash), nullptr, 16);
        const uint64_t hi = std::stoull(range.substr(dash + 1), nullptr, 16);
        if (addr >= lo && addr < hi) return perms;
    }
    return "";
}

} // namespace ebpfjit::test
