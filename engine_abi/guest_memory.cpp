#include "engine_abi/guest_memory.hpp"

#include <algorithm>

namespace ebpfjit::engine_abi {

GuestMemory::GuestMemory(uint64_t stack_high, std::span<const MemoryRegion> fixed)
    : stack_high_(stack_high), active_low_(stack_high),
      fixed_(fixed.begin(), fixed.end()) {}

void GuestMemory::add_dynamic(uint64_t start, uint64_t size, bool writable) {
    if (size == 0) return;
    auto [it, inserted] = dynamic_.try_emplace(start, MemoryRegion{start, size, writable});
    if (!inserted && it->second.size < size) it->second.size = size;
}

void GuestMemory::set_stack_windows(std::span<const MemoryRegion> windows) {
    windows_.assign(windows.begin(), windows.end());
    active_low_ = stack_high_; // the contiguous block is no longer used
}

std::optional<MemoryRegion> GuestMemory::dynamic_at(uint64_t start) const {
    auto it = dynamic_.find(start);
    if (it == dynamic_.end()) return std::nullopt;
    return it->second;
}

void GuestMemory::restore_dynamic(uint64_t start, std::optional<MemoryRegion> previous) {
    if (previous) dynamic_[start] = *previous;
    else dynamic_.erase(start);
}

uint64_t GuestMemory::extent_from(uint64_t addr, bool write) const {
    uint64_t best = 0;
    auto consider = [&](const MemoryRegion& r) {
        if (addr >= r.start && addr - r.start < r.size && (!write || r.writable))
            best = std::max(best, r.start + r.size - addr);
    };
    consider(MemoryRegion{active_low_, stack_high_ - active_low_, true});
    for (const auto& w : windows_) consider(w);
    for (const auto& r : fixed_) consider(r);
    // Helper-returned regions do not overlap (distinct allocations): the nearest start
    // at or below addr is the only candidate.
    if (auto it = dynamic_.upper_bound(addr); it != dynamic_.begin()) consider(std::prev(it)->second);
    return best;
}

std::optional<MemoryRegion> GuestMemory::lasting_region(uint64_t addr, uint64_t size, bool write) const {
    auto holds = [&](const MemoryRegion& r) {
        return (!write || r.writable) && addr >= r.start && size <= r.size && addr - r.start <= r.size - size;
    };
    for (const auto& r : fixed_)
        if (holds(r)) return r;
    if (auto it = dynamic_.upper_bound(addr); it != dynamic_.begin() && holds(std::prev(it)->second))
        return std::prev(it)->second;
    return std::nullopt;
}

bool GuestMemory::allows(uint64_t addr, uint64_t size, bool write) const {
    if (size == 0) return true;
    return extent_from(addr, write) >= size;
}

} // namespace ebpfjit::engine_abi
