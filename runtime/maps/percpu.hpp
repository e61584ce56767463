// Per-CPU slots in userspace: a "CPU" is a worker thread. Inside a run the slot is
// engine_abi::ExecutionState::current()->cpu (set by the runtime); outside a run it is the
// slot this thread registered (or was given on first use).
//
// possible_cpus() bounds every per-CPU map (one value per slot) and is fixed once the
// first per-CPU map exists, as num_possible_cpus() is in the kernel.
#pragma once

#include <atomic>
#include <cstdint>

#include "ebpfjit/error.hpp"
#include "engine_abi/execution_state.hpp"

namespace ebpfjit::maps {

uint32_t possible_cpus();
// Default std::thread::hardware_concurrency(). Fails once a per-CPU map exists.
Result<void> set_possible_cpus(uint32_t n);

// Claims the lowest free slot for the calling thread (idempotent). Fails when all
// possible_cpus() slots belong to other live threads.
Result<uint32_t> register_worker_thread();
// Gives the calling thread's slot back (also done automatically at thread exit).
void unregister_worker_thread();

namespace detail {
extern std::atomic<uint32_t> possible_cpus_now; // 0 until first asked; see percpu.cpp
uint32_t current_cpu_slow();
} // namespace detail

// The slot the calling thread uses now (always < possible_cpus()). Inline: every per-CPU
// map access asks, and inside a run it is the run's slot.
inline uint32_t current_cpu() {
    if (const auto* state = engine_abi::ExecutionState::current()) [[likely]]
        if (state->cpu < detail::possible_cpus_now.load(std::memory_order_relaxed)) return state->cpu;
    return detail::current_cpu_slow();
}

namespace detail {
// Per-CPU maps pin possible_cpus() while they live.
void percpu_map_created();
void percpu_map_destroyed();
} // namespace detail

} // namespace ebpfjit::maps
