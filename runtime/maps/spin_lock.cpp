#include "runtime/maps/spin_lock.hpp"

#include "runtime/maps/timer_table.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>

namespace ebpfjit::maps {

void spin_lock(void* lock) {
    std::atomic_ref<uint32_t> word(*static_cast<uint32_t*>(lock));
    for (unsigned spins = 0;; ++spins) {
        uint32_t expected = 0;
        if (word.load(std::memory_order_relaxed) == 0 &&
            word.compare_exchange_weak(expected, 1, std::memory_order_acquire))
            return;
        // More workers than cores is normal here: give the holder a chance to run.
        if (spins > 64) std::this_thread::yield();
    }
}

void spin_unlock(void* lock) {
    std::atomic_ref<uint32_t> word(*static_cast<uint32_t*>(lock));
    word.store(0, std::memory_order_release);
}

void copy_value(const MapDefinition& def, void* dst, const void* src) {
    auto* d = static_cast<uint8_t*>(dst);
    auto* s = static_cast<const uint8_t*>(src);
    if (def.spin_lock_offset < 0 && def.timer_offset < 0) {
        std::memcpy(d, s, def.value_size);
        return;
    }
    // The special fields, in offset order: the bytes between them are copied.
    struct Field { uint32_t off, size; };
    Field fields[2];
    int n = 0;
    if (def.spin_lock_offset >= 0) fields[n++] = {uint32_t(def.spin_lock_offset), 4};
    if (def.timer_offset >= 0) fields[n++] = {uint32_t(def.timer_offset), kTimerSize};
    if (n == 2 && fields[1].off < fields[0].off) std::swap(fields[0], fields[1]);
    uint32_t at = 0;
    for (int i = 0; i < n; ++i) {
        if (fields[i].off > at) std::memcpy(d + at, s + at, fields[i].off - at);
        at = std::max(at, fields[i].off + fields[i].size);
    }
    if (at < def.value_size) std::memcpy(d + at, s + at, def.value_size - at);
}

void copy_value_locked(const MapDefinition& def, void* dst, const void* src, void* locked_value) {
    void* lock = static_cast<uint8_t*>(locked_value) + def.spin_lock_offset;
    spin_lock(lock);
    copy_value(def, dst, src);
    spin_unlock(lock);
}

void clear_lock_word(const MapDefinition& def, void* value) {
    if (def.spin_lock_offset >= 0)
        std::memset(static_cast<uint8_t*>(value) + def.spin_lock_offset, 0, 4);
    if (def.timer_offset >= 0) // a copy never shows the timer's state (check_and_init_map_value)
        std::memset(static_cast<uint8_t*>(value) + def.timer_offset, 0, kTimerSize);
}

} // namespace ebpfjit::maps
