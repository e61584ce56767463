#include "runtime/maps/devmap.hpp"

#include <linux/bpf.h>

#include <cerrno>
#include <cstring>

#include "runtime/maps/array_map.hpp"

namespace ebpfjit::maps {

std::unique_ptr<DevMap> DevMap::create(const MapDefinition& def) {
    auto slots = ZeroedBuffer::allocate(size_t{8} * def.max_entries);
    if (!slots) return nullptr;
    return std::unique_ptr<DevMap>(new DevMap(def, std::move(slots)));
}

DevMap::DevMap(const MapDefinition& def, ZeroedBuffer slots) : Map(def), slots_(std::move(slots)) {}

void* DevMap::lookup(const void* key) {
    const uint32_t index = array_rules::index_of(key);
    if (index >= definition().max_entries) return nullptr;
    uint32_t* s = slot(index);
    return __atomic_load_n(s, __ATOMIC_ACQUIRE) == 0 ? nullptr : s;
}

int DevMap::update(const void* key, const void* value, uint64_t flags) {
    const uint32_t index = array_rules::index_of(key);
    if (flags > BPF_EXIST) return -EINVAL;
    if (index >= definition().max_entries) return -E2BIG;
    if (flags == BPF_NOEXIST) return -EEXIST;
    uint32_t val[2] = {0, 0};
    std::memcpy(val, value, definition().value_size);
    // A devmap program fd is not supported by this runtime; the kernel also refuses one
    // with ifindex 0. ifindex 0 empties the slot; an unknown port is -EINVAL.
    if (val[1] != 0) return -EINVAL;
    if (val[0] != 0 && valid_ && !valid_(val[0])) return -EINVAL;
    __atomic_store_n(&slot(index)[1], 0u, __ATOMIC_RELAXED);
    __atomic_store_n(&slot(index)[0], val[0], __ATOMIC_RELEASE);
    return 0;
}

int DevMap::remove(const void* key) {
    const uint32_t index = array_rules::index_of(key);
    if (index >= definition().max_entries) return -EINVAL;
    __atomic_store_n(&slot(index)[0], 0u, __ATOMIC_RELEASE);
    return 0;
}

int DevMap::get_next_key(const void* key, void* next_key) {
    return array_rules::next_index(definition().max_entries, key, next_key);
}

std::optional<uint32_t> DevMap::port_at(uint32_t index) const {
    if (index >= definition().max_entries) return std::nullopt;
    const uint32_t port = __atomic_load_n(&slot(index)[0], __ATOMIC_ACQUIRE);
    if (port == 0) return std::nullopt;
    return port;
}

} // namespace ebpfjit::maps
