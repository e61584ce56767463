// BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH and LRU_PERCPU_HASH: one bucket-locked table.
//
//   buckets[hash & mask] -> element -> element -> 0      (chains of ElementPool indices)
//
// Writers take their bucket's spin lock; lookups take no lock at all (a seqlock read):
//
//   writer (lock held):  seq++ (odd) ─ relink the chain ─ seq++ (even)
//   reader:              s = seq (wait while odd) ─ walk the chain ─ seq == s ? done : again
//
// Elements live in type-stable pool storage (element_pool.hpp) and are never freed while
// the map lives, so a walk never touches freed memory; an element deleted and reused
// under a walker's feet is re-keyed only after a release fence that makes the walker's
// final check fail (find_lockless). Chain links, hashes and key words are atomics, so
// the races are benign by the C++ model too (TSan-clean: tests/maps, [threads]).
// Returned value pointers stay valid for the map's life, as with the kernel's
// preallocated maps.
// Existing keys are updated in place. LRU maps keep every element on one recency list
// (its own lock, taken only when an element is allocated or freed) and evict with a
// second-chance scan: a lookup sets the element's ref bit, the scan spares it once.
#pragma once

#include <memory>

#include "runtime/maps/element_pool.hpp"
#include "runtime/maps/map.hpp"

namespace ebpfjit::maps {

class HashMap final : public Map {
public:
    static std::unique_ptr<HashMap> create(const MapDefinition& def);
    ~HashMap() override;

    void* lookup(const void* key) override;
    int update(const void* key, const void* value, uint64_t flags) override;
    int remove(const void* key) override;
    int get_next_key(const void* key, void* next_key) override;
    void* lookup_percpu(const void* key, uint32_t cpu) override;
    const void* timer_key(const void* value, uint32_t& index) const override;

    bool is_percpu() const override { return percpu_; }
    int lookup_copy(const void* key, void* value_out, uint64_t flags) override;
    int update_copy(const void* key, const void* value, uint64_t flags) override;
    int lookup_and_delete(const void* key, void* value_out, uint64_t flags) override;

    // bpf_map_lookup_elem for the JIT's direct call (helpers/map_lookup_plan.cpp), in the
    // helper calling convention (r1 = this map, r2 = the key; r3-r5 unused): a plain HASH
    // map whose key is one N-byte word (N = 4 or 8). lookup() with the key size a
    // constant and no per-CPU or LRU branch, one call deep (no wrapper around it).
    template <uint32_t N>
    static uint64_t lookup_word_elem(uint64_t map, uint64_t key, uint64_t, uint64_t, uint64_t);
    // Whether lookup_word_elem<key_size> serves this map.
    bool has_word_lookup() const;

    // Elements currently in the table.
    uint32_t size() const { return count_.load(std::memory_order_relaxed); }

private:
    struct Bucket;
    HashMap(const MapDefinition& def, uint32_t cpus);

    // `n`: the key size (a constant where the caller knows it: lookup_word_elem).
    uint32_t hash_key(const void* key, uint32_t n) const;
    Bucket& bucket_of(uint32_t hash) const;
    uint32_t find(const Bucket& b, uint32_t hash, const void* key) const; // bucket lock held
    uint32_t find_lockless(uint32_t hash, const void* key, uint32_t n) const; // no lock
    uint8_t* value_of(uint32_t e, uint32_t cpu) const;
    int check_update_flags(uint64_t flags) const;
    int do_update(const void* key, const void* value, uint64_t flags, bool all_cpus);
    void write_value(uint32_t e, const void* value, uint64_t flags, bool all_cpus, bool fresh);
    void copy_out(uint32_t e, void* out, uint64_t flags) const;
    void unlink(Bucket& b, uint32_t e); // bucket write lock held
    // remove() and lookup_and_delete(): value_out null copies nothing.
    int delete_key(const void* key, void* value_out, uint64_t flags);

    uint32_t alloc_element(); // 0: map full (and, for LRU, nothing to evict)
    void free_element(uint32_t e);
    // LRU list (lru_lock_ held).
    uint32_t lru_evict();
    void lru_push_front(uint32_t e);
    void lru_unlink(uint32_t e);

    bool percpu_;
    bool lru_;
    uint32_t cpus_;
    uint32_t value_stride_; // value_size rounded up to 8
    uint64_t seed_;
    uint32_t bucket_mask_;
    std::unique_ptr<Bucket[]> buckets_;
    ElementPool pool_;
    FreeList free_;
    std::atomic<uint32_t> count_{0};

    std::mutex lru_lock_;
    uint32_t lru_head_ = 0, lru_tail_ = 0; // most / least recently inserted
    std::vector<uint32_t> lru_free_;
};

} // namespace ebpfjit::maps
