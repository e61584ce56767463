// BPF_MAP_TYPE_ARRAY: max_entries preallocated values, key = u32 index. A lookup is
// plain address arithmetic (value_base() + index * value_stride()), so the JIT may
// inline it after a bounds check against max_entries.
#pragma once

#include <cstring>

#include "runtime/maps/map.hpp"
#include "runtime/maps/zeroed_buffer.hpp"

namespace ebpfjit::maps {

class ArrayMap final : public Map {
public:
    // Allocates the values; nullptr when memory is not available.
    static std::unique_ptr<ArrayMap> create(const MapDefinition& def);

    void* lookup(const void* key) override;
    const void* timer_key(const void* value, uint32_t& index) const override;
    int update(const void* key, const void* value, uint64_t flags) override;
    int remove(const void* key) override;
    int get_next_key(const void* key, void* next_key) override;

    uint8_t* value_base() const { return values_.data(); }
    uint32_t value_stride() const { return stride_; } // value_size rounded up to 8

private:
    ArrayMap(const MapDefinition& def, ZeroedBuffer values);
    ZeroedBuffer values_;
    uint32_t stride_;
};

// The index-key rules every array-shaped map shares (ARRAY, PERCPU_ARRAY, DEVMAP, ...).
namespace array_rules {
// Inline: every program-side lookup starts here.
inline uint32_t index_of(const void* key) {
    uint32_t index;
    std::memcpy(&index, key, sizeof index);
    return index;
}
// get_next_key: missing/out-of-range key -> 0; last -> -ENOENT.
int next_index(uint32_t max_entries, const void* key, void* next_key);
// update flag checks in the kernel's order; 0 when the update may proceed.
int check_update(uint32_t max_entries, uint32_t index, uint64_t flags, bool lock_allowed,
                 bool has_lock);
} // namespace array_rules

} // namespace ebpfjit::maps
