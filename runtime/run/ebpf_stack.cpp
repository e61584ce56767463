#include "runtime/run/ebpf_stack.hpp"

#include <sys/mman.h>
#include <unistd.h>

namespace ebpfjit::runtime {

using engine_abi::kGuardBytes;
using engine_abi::kRunStackBytes;

namespace {

size_t page_size() {
    static const size_t size = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    return size;
}

size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

size_t guard_bytes() { return round_up(kGuardBytes, page_size()); }
size_t usable_bytes() { return round_up(kRunStackBytes, page_size()); }
size_t mapping_bytes() { return 2 * guard_bytes() + usable_bytes(); }

// Unmaps this thread's levels when it exits.
struct LevelOwner {
    void* mappings[engine_abi::kMaxNestedRuns] = {};
    ~LevelOwner() {
        for (void* m : mappings)
            if (m != nullptr) munmap(m, mapping_bytes());
    }
};

} // namespace

uint8_t* EbpfStacks::map_level(uint32_t level) {
    thread_local LevelOwner owner;
    // Reserve everything PROT_NONE, then open the middle: the guards are what is left.
    void* m = mmap(nullptr, mapping_bytes(), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) return nullptr;
    auto* base = static_cast<uint8_t*>(m);
    if (mprotect(base + guard_bytes(), usable_bytes(), PROT_READ | PROT_WRITE) != 0) {
        munmap(m, mapping_bytes());
        return nullptr;
    }
    owner.mappings[level] = m;
    uint8_t* top = base + guard_bytes() + usable_bytes();
    levels().tops[level] = top;
    return top;
}

uint8_t* EbpfStacks::enter_nested() {
    Levels& l = levels();
    if (l.nested + 1 >= engine_abi::kMaxNestedRuns) return nullptr;
    const uint32_t level = l.nested + 1;
    uint8_t* top = l.tops[level] != nullptr ? l.tops[level] : map_level(level);
    if (top != nullptr) l.nested = level;
    return top;
}

} // namespace ebpfjit::runtime
