#include "runtime/maps/percpu_array_map.hpp"

#include <linux/bpf.h>

#include <cerrno>
#include <cstring>

#include "runtime/maps/array_map.hpp"
#include "runtime/maps/percpu.hpp"

namespace ebpfjit::maps {

std::unique_ptr<PercpuArrayMap> PercpuArrayMap::create(const MapDefinition& def) {
    const uint32_t stride = (def.value_size + 7) & ~7u;
    const uint32_t cpus = possible_cpus();
    auto values = ZeroedBuffer::allocate(size_t{stride} * def.max_entries * cpus);
    if (!values) return nullptr;
    return std::unique_ptr<PercpuArrayMap>(new PercpuArrayMap(def, std::move(values), cpus));
}

PercpuArrayMap::PercpuArrayMap(const MapDefinition& def, ZeroedBuffer values, uint32_t cpus)
    : Map(def), values_(std::move(values)), stride_((def.value_size + 7) & ~7u), cpus_(cpus) {
    detail::percpu_map_created();
}

PercpuArrayMap::~PercpuArrayMap() { detail::percpu_map_destroyed(); }

void* PercpuArrayMap::lookup(const void* key) {
    const uint32_t index = array_rules::index_of(key);
    if (index >= definition().max_entries) return nullptr;
    return slot(index, current_cpu());
}

void* PercpuArrayMap::lookup_percpu(const void* key, uint32_t cpu) {
    const uint32_t index = array_rules::index_of(key);
    if (index >= definition().max_entries || cpu >= cpus_) return nullptr;
    return slot(index, cpu);
}

// Program side: writes this CPU's value only.
int PercpuArrayMap::update(const void* key, const void* value, uint64_t flags) {
    const uint32_t index = array_rules::index_of(key);
    if (int err = array_rules::check_update(definition().max_entries, index, flags, false, false))
        return err;
    std::memcpy(slot(index, current_cpu()), value, definition().value_size);
    return 0;
}

int PercpuArrayMap::remove(const void*) { return -EINVAL; }

int PercpuArrayMap::get_next_key(const void* key, void* next_key) {
    return array_rules::next_index(definition().max_entries, key, next_key);
}

int PercpuArrayMap::lookup_copy(const void* key, void* value_out, uint64_t flags) {
    if (flags != 0) return -EINVAL; // no bpf_spin_lock in per-CPU values
    const uint32_t index = array_rules::index_of(key);
    if (index >= definition().max_entries) return -ENOENT;
    auto* out = static_cast<uint8_t*>(value_out);
    for (uint32_t cpu = 0; cpu < cpus_; ++cpu)
        std::memcpy(out + size_t{cpu} * stride_, slot(index, cpu), stride_);
    return 0;
}

int PercpuArrayMap::update_copy(const void* key, const void* value, uint64_t flags) {
    const uint32_t index = array_rules::index_of(key);
    if (int err = array_rules::check_update(definition().max_entries, index, flags, false, false))
        return err;
    auto* in = static_cast<const uint8_t*>(value);
    for (uint32_t cpu = 0; cpu < cpus_; ++cpu)
        std::memcpy(slot(index, cpu), in + size_t{cpu} * stride_, definition().value_size);
    return 0;
}

} // namespace ebpfjit::maps
