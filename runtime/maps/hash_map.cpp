#include "runtime/maps/hash_map.hpp"

#include <linux/bpf.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <random>
#include <thread>

#include "runtime/maps/percpu.hpp"
#include "runtime/maps/spin_lock.hpp"

namespace ebpfjit::maps {

// lock: writers (and the syscall side's copies) only. seq: even when no writer is inside,
// bumped to odd and back around every change of the chain (see hash_map.hpp).
struct HashMap::Bucket {
    RwSpinLock lock;
    std::atomic<uint32_t> seq{0};
    std::atomic<uint32_t> head{0};
};

namespace {

uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

uint32_t round8(uint32_t n) { return (n + 7) & ~7u; }

std::atomic_ref<uint64_t> key_word(uint8_t* stored, uint32_t i) {
    return std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(stored + i));
}

// The caller's key as 8-byte words, the last one zero-padded like the stored copy.
// (Fixed-size copies for the common sizes: no memcpy call on the lookup path.)
inline uint64_t caller_word(const void* key, uint32_t i, uint32_t n) {
    const auto* p = static_cast<const uint8_t*>(key) + i;
    uint64_t w = 0;
    if (n - i >= 8) std::memcpy(&w, p, 8);
    else if (n - i == 4) std::memcpy(&w, p, 4);
    else std::memcpy(&w, p, n - i);
    return w;
}

// Keys are stored word by word with atomic stores (padding zero) and compared with
// atomic loads: a lock-free reader may be looking at an element being re-keyed. Release
// stores and acquire loads (no fences: TSan cannot model them, and g++ -fsanitize=thread
// rejects them): a reader that sees a re-keyed word also sees the seq bump of the unlink
// that came before the re-keying, and retries.
void store_key(uint8_t* stored, const void* key, uint32_t n) {
    for (uint32_t i = 0; i < n; i += 8) key_word(stored, i).store(caller_word(key, i, n), std::memory_order_release);
}

bool key_equals(uint8_t* stored, const void* key, uint32_t n) {
    for (uint32_t i = 0; i < n; i += 8)
        if (key_word(stored, i).load(std::memory_order_acquire) != caller_word(key, i, n)) return false;
    return true;
}

// Seqlock writer side (bucket lock held): odd while the chain changes. The chain changes
// themselves are release stores (head, next), so the odd count is visible before them.
void begin_change(std::atomic<uint32_t>& seq) {
    seq.store(seq.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}
void end_change(std::atomic<uint32_t>& seq) {
    seq.store(seq.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

} // namespace

std::unique_ptr<HashMap> HashMap::create(const MapDefinition& def) {
    const bool percpu = def.type == BPF_MAP_TYPE_PERCPU_HASH ||
                        def.type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
    auto map = std::unique_ptr<HashMap>(new HashMap(def, percpu ? possible_cpus() : 1));
    if (!map->pool_.ok() || !map->buckets_) return nullptr;
    return map;
}

HashMap::HashMap(const MapDefinition& def, uint32_t cpus)
    : Map(def),
      percpu_(def.type == BPF_MAP_TYPE_PERCPU_HASH || def.type == BPF_MAP_TYPE_LRU_PERCPU_HASH),
      lru_(def.type == BPF_MAP_TYPE_LRU_HASH || def.type == BPF_MAP_TYPE_LRU_PERCPU_HASH),
      cpus_(cpus),
      value_stride_(round8(def.value_size)),
      seed_((def.flags & BPF_F_ZERO_SEED) ? 0 : std::random_device{}()),
      bucket_mask_(static_cast<uint32_t>(std::bit_ceil(uint64_t{def.max_entries}) - 1)),
      buckets_(new (std::nothrow) Bucket[uint64_t{bucket_mask_} + 1]),
      pool_(def.max_entries, def.key_size, value_stride_ * cpus,
            !(def.flags & BPF_F_NO_PREALLOC)) {
    if (percpu_) detail::percpu_map_created();
}

HashMap::~HashMap() {
    if (percpu_) detail::percpu_map_destroyed();
}

[[gnu::always_inline]] inline uint32_t HashMap::hash_key(const void* key, uint32_t n) const {
    const auto* p = static_cast<const uint8_t*>(key);
    uint64_t h = seed_ ^ (uint64_t{n} * 0x9e3779b97f4a7c15ULL);
    if (n == 4 || n == 8) { // the common keys, without a variable-length copy (same hash)
        uint64_t w = 0;
        if (n == 4) {
            uint32_t w32;
            std::memcpy(&w32, p, 4);
            w = w32 ^ 0x100;
        } else {
            std::memcpy(&w, p, 8);
        }
        h = mix(h ^ w);
        return static_cast<uint32_t>(h ^ (h >> 32));
    }
    uint32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        std::memcpy(&w, p + i, 8);
        h = mix(h ^ w);
    }
    if (i < n) {
        uint64_t w = 0;
        std::memcpy(&w, p + i, n - i);
        h = mix(h ^ w ^ 0x100);
    }
    return static_cast<uint32_t>(h ^ (h >> 32));
}

[[gnu::always_inline]] inline HashMap::Bucket& HashMap::bucket_of(uint32_t hash) const {
    return buckets_[hash & bucket_mask_];
}

uint32_t HashMap::find(const Bucket& b, uint32_t hash, const void* key) const {
    const uint32_t n = definition().key_size;
    for (uint32_t e = b.head.load(std::memory_order_relaxed); e != 0;
         e = pool_.header(e).next.load(std::memory_order_relaxed)) {
        if (pool_.header(e).hash.load(std::memory_order_relaxed) == hash && key_equals(pool_.key(e), key, n))
            return e;
    }
    return 0;
}

// The seqlock reader: walk the chain with no lock, then keep the answer only if no writer
// changed the bucket meanwhile. A walk that raced with a writer may have followed an
// element into another bucket or read a half re-keyed element; the changed count throws
// that away. The step bound ends a walk that a stream of writers kept in a cycle.
[[gnu::always_inline]] inline uint32_t HashMap::find_lockless(uint32_t hash, const void* key, uint32_t n) const {
    const Bucket& b = bucket_of(hash);
    const uint32_t max_steps = definition().max_entries;
    const bool one_word = n <= 8; // most keys: one compare against a word read once
    const uint64_t first_word = caller_word(key, 0, n);
    for (;;) {
        const uint32_t seq = b.seq.load(std::memory_order_acquire);
        if (seq & 1) {
            std::this_thread::yield();
            continue;
        }
        uint32_t found = 0;
        uint32_t steps = 0;
        for (uint32_t e = b.head.load(std::memory_order_acquire); e != 0 && steps <= max_steps; ++steps) {
            const ElementHeader& h = pool_.header(e);
            if (h.hash.load(std::memory_order_acquire) == hash &&
                (one_word ? key_word(pool_.key(e), 0).load(std::memory_order_acquire) == first_word
                          : key_equals(pool_.key(e), key, n))) {
                found = e;
                break;
            }
            e = h.next.load(std::memory_order_acquire);
        }
        // Every load above was an acquire: this one cannot move before them.
        if (b.seq.load(std::memory_order_acquire) == seq) return found;
    }
}

[[gnu::always_inline]] inline uint8_t* HashMap::value_of(uint32_t e, uint32_t cpu) const {
    return pool_.value(e) + size_t{cpu} * value_stride_;
}

void* HashMap::lookup(const void* key) {
    const uint32_t n = definition().key_size;
    const uint32_t e = find_lockless(hash_key(key, n), key, n);
    if (e == 0) return nullptr;
    if (lru_ && pool_.header(e).ref.load(std::memory_order_relaxed) == 0)
        pool_.header(e).ref.store(1, std::memory_order_relaxed);
    return value_of(e, percpu_ ? current_cpu() : 0);
}

void* HashMap::lookup_percpu(const void* key, uint32_t cpu) {
    if (!percpu_ || cpu >= cpus_) return nullptr;
    const uint32_t n = definition().key_size;
    const uint32_t e = find_lockless(hash_key(key, n), key, n);
    if (e == 0) return nullptr;
    if (lru_) pool_.header(e).ref.store(1, std::memory_order_relaxed);
    return value_of(e, cpu);
}

const void* HashMap::timer_key(const void* value, uint32_t&) const {
    // element: [ header | key (rounded to 8) | value ] (element_pool.hpp), as the kernel's
    // bpf_timer_cb computes it: value - round_up(key_size, 8).
    return static_cast<const uint8_t*>(value) - round8(definition().key_size);
}

bool HashMap::has_word_lookup() const {
    const uint32_t n = definition().key_size;
    return !percpu_ && !lru_ && (n == 4 || n == 8);
}

template <uint32_t N>
uint64_t HashMap::lookup_word_elem(uint64_t map, uint64_t key, uint64_t, uint64_t, uint64_t) {
    static_assert(N == 4 || N == 8);
    const auto* self = static_cast<const HashMap*>(reinterpret_cast<const Map*>(map));
    const auto* k = reinterpret_cast<const void*>(key);
    const uint32_t e = self->find_lockless(self->hash_key(k, N), k, N);
    return e == 0 ? 0 : reinterpret_cast<uint64_t>(self->value_of(e, 0));
}

template uint64_t HashMap::lookup_word_elem<4>(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
template uint64_t HashMap::lookup_word_elem<8>(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

int HashMap::check_update_flags(uint64_t flags) const {
    // Only plain HASH supports BPF_F_LOCK (a bpf_spin_lock in per-CPU or LRU values is
    // rejected at creation, as in the kernel).
    const uint64_t lock_flag = (!percpu_ && !lru_) ? uint64_t{BPF_F_LOCK} : 0;
    if ((flags & ~lock_flag) > BPF_EXIST) return -EINVAL;
    if ((flags & BPF_F_LOCK) && !has_spin_lock()) return -EINVAL;
    return 0;
}

// fresh: a new element; per-CPU values of other CPUs start zeroed (the program can only
// write its own), and the lock word starts unlocked.
void HashMap::write_value(uint32_t e, const void* value, uint64_t flags, bool all_cpus,
                          bool fresh) {
    const MapDefinition& def = definition();
    if (!percpu_) {
        uint8_t* dst = value_of(e, 0);
        if (fresh) clear_lock_word(def, dst);
        if (flags & BPF_F_LOCK)
            copy_value_locked(def, dst, value, dst);
        else
            copy_value(def, dst, value);
        // The kernel replaces the element (its timer is freed) unless BPF_F_LOCK updates it
        // in place; a fresh element starts with none (an init through a stale pointer to
        // the element's previous life is undone here).
        if (fresh || !(flags & BPF_F_LOCK)) release_timer(dst);
        return;
    }
    if (all_cpus) {
        const auto* src = static_cast<const uint8_t*>(value);
        for (uint32_t cpu = 0; cpu < cpus_; ++cpu)
            std::memcpy(value_of(e, cpu), src + size_t{cpu} * value_stride_, def.value_size);
        return;
    }
    const uint32_t me = current_cpu();
    if (fresh) {
        for (uint32_t cpu = 0; cpu < cpus_; ++cpu)
            if (cpu != me) std::memset(value_of(e, cpu), 0, def.value_size);
    }
    std::memcpy(value_of(e, me), value, def.value_size);
}

int HashMap::do_update(const void* key, const void* value, uint64_t flags, bool all_cpus) {
    if (int err = check_update_flags(flags)) return err;
    const uint32_t hash = hash_key(key, definition().key_size);
    Bucket& b = bucket_of(hash);
    const uint64_t cond = flags & ~uint64_t{BPF_F_LOCK};

    // An existing key is updated in place; no allocation, so a full map accepts it.
    b.lock.lock();
    if (uint32_t e = find(b, hash, key)) {
        if (cond == BPF_NOEXIST) {
            b.lock.unlock();
            return -EEXIST;
        }
        write_value(e, value, flags, all_cpus, false);
        if (lru_) pool_.header(e).ref.store(1, std::memory_order_relaxed);
        b.lock.unlock();
        return 0;
    }
    b.lock.unlock();
    if (cond == BPF_EXIST) return -ENOENT;

    // A new key. Allocate without holding the bucket (LRU eviction locks other buckets).
    const uint32_t fresh = alloc_element();
    if (fresh == 0) return lru_ ? -ENOMEM : -E2BIG;
    ElementHeader& h = pool_.header(fresh);
    // A reused element may still be under a lock-free reader's eyes (it walked there before
    // the unlink). The unlink's sequence bump happens before this point (through the pool's
    // free and alloc), and hash, key and next are release stores: a reader that acquires any
    // new field also sees its bucket's count changed, and retries (find_lockless).
    h.hash.store(hash, std::memory_order_release);
    h.ref.store(0, std::memory_order_relaxed);
    store_key(pool_.key(fresh), key, definition().key_size);
    write_value(fresh, value, flags & ~uint64_t{BPF_F_LOCK}, all_cpus, true);

    b.lock.lock();
    if (uint32_t e = find(b, hash, key)) { // inserted by someone else meanwhile
        int err = 0;
        if (cond == BPF_NOEXIST)
            err = -EEXIST;
        else
            write_value(e, value, flags, all_cpus, false);
        b.lock.unlock();
        free_element(fresh);
        return err;
    }
    h.next.store(b.head.load(std::memory_order_relaxed), std::memory_order_release);
    begin_change(b.seq);
    b.head.store(fresh, std::memory_order_release);
    end_change(b.seq);
    h.in_hash.store(1, std::memory_order_release);
    b.lock.unlock();
    return 0;
}

int HashMap::update(const void* key, const void* value, uint64_t flags) {
    return do_update(key, value, flags, false);
}

int HashMap::update_copy(const void* key, const void* value, uint64_t flags) {
    return do_update(key, value, flags, true);
}

void HashMap::unlink(Bucket& b, uint32_t e) {
    std::atomic<uint32_t>* link = &b.head;
    while (link->load(std::memory_order_relaxed) != e) link = &pool_.header(link->load(std::memory_order_relaxed)).next;
    begin_change(b.seq);
    link->store(pool_.header(e).next.load(std::memory_order_relaxed), std::memory_order_release);
    end_change(b.seq);
    pool_.header(e).in_hash.store(0, std::memory_order_release);
}

int HashMap::remove(const void* key) { return delete_key(key, nullptr, 0); }

// The value is copied out before the unlink, under the same write lock.
int HashMap::delete_key(const void* key, void* value_out, uint64_t flags) {
    const uint32_t hash = hash_key(key, definition().key_size);
    Bucket& b = bucket_of(hash);
    b.lock.lock();
    const uint32_t e = find(b, hash, key);
    if (e == 0) {
        b.lock.unlock();
        return -ENOENT;
    }
    if (value_out != nullptr) copy_out(e, value_out, flags);
    unlink(b, e);
    b.lock.unlock();
    release_timer(value_of(e, 0)); // no timers in per-CPU maps (map_factory.cpp)
    free_element(e);
    return 0;
}

void HashMap::copy_out(uint32_t e, void* out, uint64_t flags) const {
    const MapDefinition& def = definition();
    if (!percpu_) {
        uint8_t* v = value_of(e, 0);
        if (flags & BPF_F_LOCK)
            copy_value_locked(def, out, v, v);
        else
            copy_value(def, out, v);
        clear_lock_word(def, out);
        return;
    }
    auto* dst = static_cast<uint8_t*>(out);
    for (uint32_t cpu = 0; cpu < cpus_; ++cpu) {
        std::memcpy(dst + size_t{cpu} * value_stride_, value_of(e, cpu), def.value_size);
        std::memset(dst + size_t{cpu} * value_stride_ + def.value_size, 0,
                    value_stride_ - def.value_size);
    }
}

// Copies under the bucket's read lock so the element cannot be reused mid-copy.
int HashMap::lookup_copy(const void* key, void* value_out, uint64_t flags) {
    if (int err = check_lookup_flags(flags)) return err;
    const uint32_t hash = hash_key(key, definition().key_size);
    Bucket& b = bucket_of(hash);
    b.lock.lock_shared();
    const uint32_t e = find(b, hash, key);
    if (e != 0) copy_out(e, value_out, flags);
    b.lock.unlock_shared();
    return e == 0 ? -ENOENT : 0;
}

int HashMap::lookup_and_delete(const void* key, void* value_out, uint64_t flags) {
    if (int err = check_lookup_flags(flags)) return err;
    return delete_key(key, value_out, flags);
}

// Order: bucket by bucket, then along each chain. A missing key restarts at the first.
int HashMap::get_next_key(const void* key, void* next_key) {
    uint64_t start = 0;
    if (key != nullptr) {
        const uint32_t hash = hash_key(key, definition().key_size);
        Bucket& b = bucket_of(hash);
        b.lock.lock_shared();
        const uint32_t e = find(b, hash, key);
        const uint32_t next = e != 0 ? pool_.header(e).next.load(std::memory_order_relaxed) : 0;
        if (next != 0) {
            std::memcpy(next_key, pool_.key(next), definition().key_size);
            b.lock.unlock_shared();
            return 0;
        }
        b.lock.unlock_shared();
        if (e != 0) start = uint64_t{hash & bucket_mask_} + 1;
    }
    for (uint64_t i = start; i <= bucket_mask_; ++i) {
        Bucket& b = buckets_[i];
        b.lock.lock_shared();
        if (const uint32_t head = b.head.load(std::memory_order_relaxed); head != 0) {
            std::memcpy(next_key, pool_.key(head), definition().key_size);
            b.lock.unlock_shared();
            return 0;
        }
        b.lock.unlock_shared();
    }
    return -ENOENT;
}

// ---- element allocation ----------------------------------------------------------------

uint32_t HashMap::alloc_element() {
    if (lru_) {
        std::lock_guard guard(lru_lock_);
        uint32_t e = 0;
        if (!lru_free_.empty()) {
            e = lru_free_.back();
            lru_free_.pop_back();
        } else {
            e = pool_.take_fresh();
        }
        if (e != 0) {
            lru_push_front(e);
        } else {
            e = lru_evict(); // stays on the list, moved to the front
            if (e == 0) return 0;
        }
        count_.fetch_add(1, std::memory_order_relaxed);
        return e;
    }
    // Reserve a place first: -E2BIG must be exact even while others free elements.
    if (count_.fetch_add(1, std::memory_order_relaxed) >= definition().max_entries) {
        count_.fetch_sub(1, std::memory_order_relaxed);
        return 0;
    }
    for (;;) {
        if (uint32_t e = free_.pop()) return e;
        if (uint32_t e = pool_.take_fresh()) return e;
        // The element our reservation guarantees is on its way to the free list.
        std::this_thread::yield();
    }
}

void HashMap::free_element(uint32_t e) {
    if (lru_) {
        std::lock_guard guard(lru_lock_);
        lru_unlink(e);
        lru_free_.push_back(e);
        count_.fetch_sub(1, std::memory_order_relaxed);
        return;
    }
    free_.push(e);
    count_.fetch_sub(1, std::memory_order_relaxed);
}

void HashMap::lru_push_front(uint32_t e) {
    ElementHeader& h = pool_.header(e);
    h.lru_prev = 0;
    h.lru_next = lru_head_;
    if (lru_head_ != 0) pool_.header(lru_head_).lru_prev = e;
    lru_head_ = e;
    if (lru_tail_ == 0) lru_tail_ = e;
}

void HashMap::lru_unlink(uint32_t e) {
    ElementHeader& h = pool_.header(e);
    if (h.lru_prev != 0) pool_.header(h.lru_prev).lru_next = h.lru_next;
    else lru_head_ = h.lru_next;
    if (h.lru_next != 0) pool_.header(h.lru_next).lru_prev = h.lru_prev;
    else lru_tail_ = h.lru_prev;
    h.lru_prev = h.lru_next = 0;
}

// Second chance from the cold end: referenced elements and elements not (or no longer)
// in the table are moved to the front; the first unreferenced table element is taken
// out of its bucket and reused. Two passes bound the scan.
uint32_t HashMap::lru_evict() {
    const uint64_t budget = 2 * uint64_t{definition().max_entries} + 1;
    for (uint64_t step = 0; step < budget && lru_tail_ != 0; ++step) {
        const uint32_t c = lru_tail_;
        ElementHeader& h = pool_.header(c);
        lru_unlink(c);
        lru_push_front(c);
        if (h.ref.load(std::memory_order_relaxed) != 0) {
            h.ref.store(0, std::memory_order_relaxed);
            continue;
        }
        if (h.in_hash.load(std::memory_order_acquire) == 0) continue; // pending or leaving
        Bucket& b = bucket_of(h.hash.load(std::memory_order_relaxed));
        b.lock.lock();
        const bool still = h.in_hash.load(std::memory_order_relaxed) != 0;
        if (still) unlink(b, c);
        b.lock.unlock();
        if (still) {
            release_timer(value_of(c, 0));
            count_.fetch_sub(1, std::memory_order_relaxed);
            return c;
        }
    }
    return 0;
}

} // namespace ebpfjit::maps
