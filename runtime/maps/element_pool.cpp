#include "runtime/maps/element_pool.hpp"

#include <algorithm>
#include <functional>
#include <new>
#include <thread>

namespace ebpfjit::maps {

ElementPool::ElementPool(uint32_t max_entries, uint32_t key_size, uint32_t value_area,
                         bool prealloc)
    : max_entries_(max_entries),
      key_area_((key_size + 7) & ~7u),
      stride_(kHeaderSize + key_area_ + value_area),
      chunk_elems_(prealloc ? max_entries : std::min<uint32_t>(max_entries, 1024)) {
    const uint32_t nchunks = (max_entries + chunk_elems_ - 1) / chunk_elems_;
    chunks_ = std::make_unique<std::atomic<uint8_t*>[]>(nchunks);
    storage_.resize(nchunks);
    for (uint32_t c = 0; c < nchunks; ++c) chunks_[c].store(nullptr);
    if (prealloc) {
        storage_[0] = ZeroedBuffer::allocate(size_t{stride_} * max_entries);
        ok_ = static_cast<bool>(storage_[0]);
        chunks_[0].store(storage_[0].data(), std::memory_order_release);
        flat_ = storage_[0].data();
    }
}

bool ElementPool::materialise(uint32_t e) {
    const uint32_t c = (e - 1) / chunk_elems_;
    if (chunks_[c].load(std::memory_order_acquire) != nullptr) return true;
    std::lock_guard guard(grow_lock_);
    if (chunks_[c].load(std::memory_order_relaxed) != nullptr) return true;
    const uint32_t first = c * chunk_elems_;
    const uint32_t count = std::min(chunk_elems_, max_entries_ - first);
    storage_[c] = ZeroedBuffer::allocate(size_t{stride_} * count);
    if (!storage_[c]) return false;
    chunks_[c].store(storage_[c].data(), std::memory_order_release);
    return true;
}

uint32_t ElementPool::take_fresh() {
    uint32_t f = next_fresh_.load(std::memory_order_relaxed);
    do {
        if (f >= max_entries_) return 0;
    } while (!next_fresh_.compare_exchange_weak(f, f + 1, std::memory_order_relaxed));
    const uint32_t e = f + 1;
    // On chunk allocation failure this index stays unused: the map then holds at most
    // max_entries - 1 elements, which an out-of-memory process can live with.
    if (!materialise(e)) return 0;
    new (addr(e)) ElementHeader();
    return e;
}

unsigned FreeList::my_shard() {
    thread_local const unsigned shard =
        static_cast<unsigned>(std::hash<std::thread::id>{}(std::this_thread::get_id())) % kShards;
    return shard;
}

void FreeList::push(uint32_t e) {
    Shard& s = shards_[my_shard()];
    std::lock_guard guard(s.lock);
    s.items.push_back(e);
}

uint32_t FreeList::pop() {
    const unsigned first = my_shard();
    for (unsigned k = 0; k < kShards; ++k) {
        Shard& s = shards_[(first + k) % kShards];
        std::lock_guard guard(s.lock);
        if (!s.items.empty()) {
            uint32_t e = s.items.back();
            s.items.pop_back();
            return e;
        }
    }
    return 0;
}

} // namespace ebpfjit::maps
