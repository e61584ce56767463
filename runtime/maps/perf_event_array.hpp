// BPF_MAP_TYPE_PERF_EVENT_ARRAY: where bpf_perf_event_output sends samples. In the kernel
// each slot holds a perf event fd (one per CPU, opened by user space); here each slot is a
// bounded queue of samples that the embedder opens and polls:
//
//   program ── bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &rec, sizeof rec)
//                  │   index = flags & BPF_F_INDEX_MASK, or the worker's cpu slot
//                  ▼
//   slot[index]: queue of samples (data bytes, then ctxlen packet bytes), capacity in bytes
//                  │
//   embedder ──── poll(callback) drains every slot in order; lost(index) counts drops
//
// key and value are 4 bytes, as in the kernel. update() with any value opens a slot with
// the default capacity, remove() closes it; lookups from programs find nothing.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "ebpfjit/error.hpp"
#include "runtime/maps/map.hpp"

namespace ebpfjit::maps {

class PerfEventArray final : public Map {
public:
    static constexpr size_t kDefaultCapacity = 256 * 1024; // bytes of samples per slot

    // Checks the definition (type, key_size 4, value_size 4, max_entries > 0).
    static Result<std::unique_ptr<PerfEventArray>> create(MapDefinition def);

    void* lookup(const void* key) override;
    int update(const void* key, const void* value, uint64_t flags) override;
    int remove(const void* key) override;
    int get_next_key(const void* key, void* next_key) override;

    // Embedder side: open a slot with room for `capacity` bytes of samples (0 or -E2BIG
    // for a bad index), and drain samples in arrival order per slot.
    int open(uint32_t index, size_t capacity = kDefaultCapacity);
    using SampleFn = std::function<void(uint32_t index, std::span<const uint8_t> sample)>;
    size_t poll(const SampleFn& fn);
    uint64_t lost(uint32_t index) const;

    // Program side (bpf_perf_event_output): 0, -E2BIG (index out of range), -ENOENT (slot
    // not open) or -ENOSPC (slot full; counted as lost).
    int output(uint32_t index, std::span<const uint8_t> data, std::span<const uint8_t> extra);

private:
    explicit PerfEventArray(MapDefinition def);
    struct Slot {
        mutable std::mutex mutex;
        bool open = false;
        size_t capacity = 0;
        size_t used = 0;
        uint64_t lost = 0;
        std::deque<std::vector<uint8_t>> samples;
    };
    std::vector<std::unique_ptr<Slot>> slots_;
};

} // namespace ebpfjit::maps
