// BPF_MAP_TYPE_PERCPU_ARRAY: one value per index per possible CPU.
//
//   storage: [cpu 0: idx 0 | idx 1 | ...][cpu 1: idx 0 | ...] ...   (each value 8-aligned)
//
// Each CPU's values are contiguous so workers do not share cache lines.
#pragma once

#include "runtime/maps/map.hpp"
#include "runtime/maps/zeroed_buffer.hpp"

namespace ebpfjit::maps {

class PercpuArrayMap final : public Map {
public:
    static std::unique_ptr<PercpuArrayMap> create(const MapDefinition& def);
    ~PercpuArrayMap() override;

    void* lookup(const void* key) override;
    int update(const void* key, const void* value, uint64_t flags) override;
    int remove(const void* key) override;
    int get_next_key(const void* key, void* next_key) override;
    void* lookup_percpu(const void* key, uint32_t cpu) override;

    bool is_percpu() const override { return true; }
    int lookup_copy(const void* key, void* value_out, uint64_t flags) override;
    int update_copy(const void* key, const void* value, uint64_t flags) override;

private:
    PercpuArrayMap(const MapDefinition& def, ZeroedBuffer values, uint32_t cpus);
    uint8_t* slot(uint32_t index, uint32_t cpu) const {
        return values_.data() + (size_t{cpu} * definition().max_entries + index) * stride_;
    }
    ZeroedBuffer values_;
    uint32_t stride_;
    uint32_t cpus_;
};

} // namespace ebpfjit::maps
