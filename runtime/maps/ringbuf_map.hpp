// BPF_MAP_TYPE_RINGBUF: a multi-producer, single-consumer byte ring (max_entries bytes,
// a power of two and a multiple of the page size), with the kernel's record format:
//
//   control page            data pages (size)          the same pages mapped again
//   [owner* | positions ]   [hdr|sample..|hdr|sample]  [hdr|sample..]   <- a record that
//                                                                          wraps stays
//   hdr = { u32 len | BUSY_BIT | DISCARD_BIT, u32 pg_off }                 contiguous
//
// Producers serialise on a spin lock only to advance producer_pos (reserve); submit and
// discard clear BUSY without a lock. pg_off is the record's page distance from the
// control page, so bpf_ringbuf_submit(data) finds the ring from the record alone.
// The embedder consumes with consume() / poll(); positions only grow (they wrap at 2^64).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "runtime/maps/map.hpp"
#include "runtime/maps/spin_locks.hpp"

namespace ebpfjit::maps {

class RingbufMap final : public Map {
public:
    static std::unique_ptr<RingbufMap> create(const MapDefinition& def);
    ~RingbufMap() override;

    // Not element maps: the kernel answers -ENOTSUPP (lookup gives nullptr).
    void* lookup(const void* key) override;
    int update(const void* key, const void* value, uint64_t flags) override;
    int remove(const void* key) override;
    int get_next_key(const void* key, void* next_key) override;

    // bpf_ringbuf_reserve: size bytes of sample, or nullptr (flags != 0, too big, no room).
    void* reserve(uint64_t size, uint64_t flags);
    // bpf_ringbuf_submit / discard of a sample from reserve() on any ring buffer.
    static void submit(void* sample, uint64_t flags);
    static void discard(void* sample, uint64_t flags);
    // bpf_ringbuf_output: 0, -EINVAL (bad flags) or -EAGAIN (no room).
    int output(const void* data, uint64_t size, uint64_t flags);
    // bpf_ringbuf_query with BPF_RB_AVAIL_DATA / RING_SIZE / CONS_POS / PROD_POS; else 0.
    uint64_t query(uint64_t flags) const;

    // ---- consumer (one thread) ---------------------------------------------------
    // Calls fn(sample, size) for each submitted record in order, skipping discarded ones,
    // and stops at a record still being written. fn returning non-zero stops early and is
    // returned. Otherwise returns the number of samples consumed.
    using SampleFn = std::function<int(const void* sample, uint32_t size)>;
    int64_t consume(const SampleFn& fn);
    // Waits up to timeout_ms (-1: forever) for a wakeup or available data, then consumes.
    int64_t poll(const SampleFn& fn, int timeout_ms);
    // Wakeups sent so far (adaptive, forced; not the suppressed ones).
    uint64_t wakeups() const { return wakeups_.load(std::memory_order_relaxed); }

private:
    RingbufMap(const MapDefinition& def, uint8_t* base, size_t mapped);
    static RingbufMap* owner_of(void* sample);
    void commit(void* sample, uint64_t flags, bool discarded);
    void wake();

    uint8_t* base_;   // control page
    uint8_t* data_;   // base_ + page
    size_t mapped_;
    uint64_t mask_;
    SpinLock producer_lock_;
    alignas(64) std::atomic<uint64_t> consumer_pos_{0};
    alignas(64) std::atomic<uint64_t> producer_pos_{0};
    std::atomic<uint64_t> wakeups_{0};
    std::mutex wait_lock_;
    std::condition_variable wait_cv_;
};

} // namespace ebpfjit::maps
