#include "runtime/maps/memory_budget.hpp"

#include <atomic>

namespace ebpfjit::maps {
namespace {
std::atomic<uint64_t> g_budget{uint64_t{1} << 30};
std::atomic<uint64_t> g_in_use{0};
} // namespace

uint64_t memory_budget() { return g_budget.load(std::memory_order_relaxed); }
void set_memory_budget(uint64_t bytes) { g_budget.store(bytes, std::memory_order_relaxed); }
uint64_t memory_in_use() { return g_in_use.load(std::memory_order_relaxed); }

bool charge_memory(uint64_t bytes) {
    uint64_t used = g_in_use.load(std::memory_order_relaxed);
    do {
        if (bytes > memory_budget() || used > memory_budget() - bytes) return false;
    } while (!g_in_use.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
    return true;
}

void uncharge_memory(uint64_t bytes) { g_in_use.fetch_sub(bytes, std::memory_order_relaxed); }

} // namespace ebpfjit::maps
