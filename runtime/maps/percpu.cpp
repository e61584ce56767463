#include "runtime/maps/percpu.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "engine_abi/execution_state.hpp"

namespace ebpfjit::maps {

// possible_cpus() for every per-CPU map access: a constant-initialised global, not behind
// table()'s initialisation guard; 0 until the table exists (the table and
// set_possible_cpus write it, the latter under the table's lock).
std::atomic<uint32_t> detail::possible_cpus_now{0};

namespace {

struct SlotTable {
    std::mutex lock;
    uint32_t cpus = std::max(1u, std::thread::hardware_concurrency());
    std::vector<bool> taken;
    uint32_t live_percpu_maps = 0;
    SlotTable() { detail::possible_cpus_now.store(cpus, std::memory_order_relaxed); }
};

SlotTable& table() {
    static SlotTable t;
    return t;
}

// The calling thread's registered slot; released when the thread exits.
struct ThreadSlot {
    int64_t slot = -1;
    ~ThreadSlot() {
        if (slot >= 0) unregister_worker_thread();
    }
};
thread_local ThreadSlot this_thread_slot;

} // namespace

uint32_t possible_cpus() {
    if (const uint32_t n = detail::possible_cpus_now.load(std::memory_order_relaxed); n != 0) [[likely]]
        return n;
    (void)table(); // made now (its guard orders the store before this load)
    return detail::possible_cpus_now.load(std::memory_order_relaxed);
}

Result<void> set_possible_cpus(uint32_t n) {
    auto& t = table();
    std::lock_guard guard(t.lock);
    if (n == 0) return fail(Error::plain("possible CPUs must be at least 1"));
    if (t.live_percpu_maps != 0)
        return fail(Error::plain(fmt::format(
            "cannot change possible CPUs to {}: {} per-CPU map(s) already exist", n,
            t.live_percpu_maps)));
    // Threads keep their slots (a slot >= n is used modulo n: set this before workers start).
    t.cpus = n;
    detail::possible_cpus_now.store(n, std::memory_order_relaxed);
    t.taken.resize(n, false);
    return {};
}

Result<uint32_t> register_worker_thread() {
    if (this_thread_slot.slot >= 0) return static_cast<uint32_t>(this_thread_slot.slot);
    auto& t = table();
    std::lock_guard guard(t.lock);
    t.taken.resize(t.cpus, false);
    for (uint32_t i = 0; i < t.cpus; ++i) {
        if (!t.taken[i]) {
            t.taken[i] = true;
            this_thread_slot.slot = i;
            return i;
        }
    }
    return fail(Error::plain(fmt::format(
        "no free per-CPU slot: all {} possible CPUs are registered to live threads", t.cpus)));
}

void unregister_worker_thread() {
    if (this_thread_slot.slot < 0) return;
    auto& t = table();
    std::lock_guard guard(t.lock);
    if (static_cast<uint64_t>(this_thread_slot.slot) < t.taken.size())
        t.taken[this_thread_slot.slot] = false;
    this_thread_slot.slot = -1;
}

// Outside a run, or a slot beyond possible_cpus() (it shrank under a registered thread).
uint32_t detail::current_cpu_slow() {
    const uint32_t cpus = possible_cpus();
    if (auto* state = engine_abi::ExecutionState::current()) return state->cpu % cpus;
    if (this_thread_slot.slot >= 0) return static_cast<uint32_t>(this_thread_slot.slot) % cpus;
    if (auto slot = register_worker_thread()) return *slot;
    // More unregistered threads than CPUs: they share slot 0, like tasks migrating on one
    // CPU would, but without preemption control, so say so once.
    static std::once_flag warned;
    std::call_once(warned, [] {
        spdlog::warn("more threads use per-CPU maps than possible CPUs ({}); extra threads "
                     "share slot 0", possible_cpus());
    });
    return 0;
}

namespace detail {
void percpu_map_created() {
    auto& t = table();
    std::lock_guard guard(t.lock);
    ++t.live_percpu_maps;
}
void percpu_map_destroyed() {
    auto& t = table();
    std::lock_guard guard(t.lock);
    --t.live_percpu_maps;
}
} // namespace detail

} // namespace ebpfjit::maps
