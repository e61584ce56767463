#include "runtime/maps/array_map.hpp"

#include <linux/bpf.h>

#include <cerrno>
#include <cstring>

#include "runtime/maps/spin_lock.hpp"

namespace ebpfjit::maps {

namespace array_rules {

int next_index(uint32_t max_entries, const void* key, void* next_key) {
    uint32_t next = 0;
    if (key != nullptr) {
        const uint32_t index = index_of(key);
        if (index < max_entries) {
            if (index == max_entries - 1) return -ENOENT;
            next = index + 1;
        }
    }
    std::memcpy(next_key, &next, sizeof next);
    return 0;
}

int check_update(uint32_t max_entries, uint32_t index, uint64_t flags, bool lock_allowed,
                 bool has_lock) {
    const uint64_t allowed_extra = lock_allowed ? uint64_t{BPF_F_LOCK} : 0;
    if ((flags & ~allowed_extra) > BPF_EXIST) return -EINVAL; // unknown flags
    if (index >= max_entries) return -E2BIG;  // all elements exist; cannot insert more
    if (flags & BPF_NOEXIST) return -EEXIST;  // ... and every element already exists
    if ((flags & BPF_F_LOCK) && !has_lock) return -EINVAL;
    return 0;
}

} // namespace array_rules

std::unique_ptr<ArrayMap> ArrayMap::create(const MapDefinition& def) {
    const uint32_t stride = (def.value_size + 7) & ~7u;
    auto values = ZeroedBuffer::allocate(size_t{stride} * def.max_entries);
    if (!values) return nullptr;
    return std::unique_ptr<ArrayMap>(new ArrayMap(def, std::move(values)));
}

ArrayMap::ArrayMap(const MapDefinition& def, ZeroedBuffer values)
    : Map(def), values_(std::move(values)), stride_((def.value_size + 7) & ~7u) {}

void* ArrayMap::lookup(const void* key) {
    const uint32_t index = array_rules::index_of(key);
    if (index >= definition().max_entries) return nullptr;
    return values_.data() + size_t{index} * stride_;
}

int ArrayMap::update(const void* key, const void* value, uint64_t flags) {
    const uint32_t index = array_rules::index_of(key);
    if (int err = array_rules::check_update(definition().max_entries, index, flags, true,
                                            has_spin_lock()))
        return err;
    uint8_t* slot = values_.data() + size_t{index} * stride_;
    if (flags & BPF_F_LOCK)
        copy_value_locked(definition(), slot, value, slot);
    else
        copy_value(definition(), slot, value);
    release_timer(slot); // as the kernel's array_map_update_elem (bpf_obj_free_fields)
    return 0;
}

const void* ArrayMap::timer_key(const void* value, uint32_t& index) const {
    index = uint32_t((static_cast<const uint8_t*>(value) - values_.data()) / stride_);
    return &index;
}

int ArrayMap::remove(const void*) { return -EINVAL; } // elements of an array always exist

int ArrayMap::get_next_key(const void* key, void* next_key) {
    return array_rules::next_index(definition().max_entries, key, next_key);
}

} // namespace ebpfjit::maps
