// Type-stable element storage for hash maps. Elements are never returned to the system
// while the map lives, so a value pointer a program got from a lookup stays valid memory
// even if the element is deleted and reused meanwhile (the kernel's preallocated maps
// give the same guarantee). Elements are named by 1-based index; 0 means "none".
//
//   element: [ Header | key (rounded to 8) | value, or per-CPU values (each rounded to 8) ]
//
// With preallocation all storage is mapped at creation; with BPF_F_NO_PREALLOC it grows
// in chunks on demand. Either way at most max_entries elements exist.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "runtime/maps/spin_locks.hpp"
#include "runtime/maps/zeroed_buffer.hpp"

namespace ebpfjit::maps {

// next, hash and the key words are atomics: lock-free lookups (hash_map.hpp) read them
// while a writer may be re-linking or re-keying the element; the bucket's sequence
// count then makes the reader discard what it read.
struct ElementHeader {
    std::atomic<uint32_t> next{0};    // bucket chain (written under the bucket lock)
    std::atomic<uint32_t> hash{0};
    uint32_t lru_prev = 0, lru_next = 0; // LRU list (LRU lock)
    std::atomic<uint8_t> in_hash{0};  // linked into a bucket
    std::atomic<uint8_t> ref{0};      // LRU: used since the last eviction scan
};

class ElementPool {
public:
    // nullptr-equivalent (ok() false) when preallocation fails.
    ElementPool(uint32_t max_entries, uint32_t key_size, uint32_t value_area, bool prealloc);
    bool ok() const { return ok_; }

    ElementHeader& header(uint32_t e) const { return *reinterpret_cast<ElementHeader*>(addr(e)); }
    uint8_t* key(uint32_t e) const { return addr(e) + kHeaderSize; }
    uint8_t* value(uint32_t e) const { return addr(e) + kHeaderSize + key_area_; }

    // A never-used element (its storage mapped), or 0 when all max_entries were handed out
    // once or chunk memory is unavailable.
    uint32_t take_fresh();

    static constexpr uint32_t kHeaderSize = (sizeof(ElementHeader) + 7) & ~7u;

private:
    // Ensures the chunk holding `e` exists (NO_PREALLOC); false on allocation failure.
    bool materialise(uint32_t e);
    uint8_t* addr(uint32_t e) const {
        const uint32_t i = e - 1;
        if (flat_ != nullptr) return flat_ + size_t{i} * stride_; // no divisions on the lookup path
        return chunks_[i / chunk_elems_].load(std::memory_order_acquire) +
               size_t{i % chunk_elems_} * stride_;
    }

    uint32_t max_entries_;
    uint32_t key_area_;
    uint32_t stride_;
    uint32_t chunk_elems_;
    bool ok_ = true;
    uint8_t* flat_ = nullptr; // preallocated: the one chunk, set once at construction
    std::unique_ptr<std::atomic<uint8_t*>[]> chunks_;
    std::vector<ZeroedBuffer> storage_;
    std::mutex grow_lock_;
    std::atomic<uint32_t> next_fresh_{0};
};

// Free elements of a non-LRU hash map, sharded so that workers rarely meet.
class FreeList {
public:
    void push(uint32_t e);
    uint32_t pop(); // 0 when empty

private:
    static constexpr unsigned kShards = 16;
    struct alignas(64) Shard {
        SpinLock lock;
        std::vector<uint32_t> items;
    };
    static unsigned my_shard();
    Shard shards_[kShards];
};

} // namespace ebpfjit::maps
