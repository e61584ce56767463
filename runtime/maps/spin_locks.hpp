// Word-sized locks for per-bucket and per-shard use (a std::shared_mutex per bucket
// would be 56 bytes). Both back off with yield: workers often outnumber cores.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

namespace ebpfjit::maps {

class SpinLock {
public:
    void lock() {
        for (unsigned spins = 0; state_.exchange(true, std::memory_order_acquire); ++spins) {
            while (state_.load(std::memory_order_relaxed)) {
                if (++spins > 64) std::this_thread::yield();
            }
        }
    }
    void unlock() { state_.store(false, std::memory_order_release); }

private:
    std::atomic<bool> state_{false};
};

// state: -1 = one writer, n >= 0 = n readers.
class RwSpinLock {
public:
    void lock_shared() {
        for (unsigned spins = 0;; ++spins) {
            int32_t v = state_.load(std::memory_order_relaxed);
            if (v >= 0 && state_.compare_exchange_weak(v, v + 1, std::memory_order_acquire))
                return;
            if (spins > 64) std::this_thread::yield();
        }
    }
    void unlock_shared() { state_.fetch_sub(1, std::memory_order_release); }
    void lock() {
        for (unsigned spins = 0;; ++spins) {
            int32_t v = 0;
            if (state_.load(std::memory_order_relaxed) == 0 &&
                state_.compare_exchange_weak(v, -1, std::memory_order_acquire))
                return;
            if (spins > 64) std::this_thread::yield();
        }
    }
    void unlock() { state_.store(0, std::memory_order_release); }

private:
    std::atomic<int32_t> state_{0};
};

} // namespace ebpfjit::maps
