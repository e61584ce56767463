#include "runtime/maps/map_in_map.hpp"

#include <linux/bpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_map>

#include "runtime/maps/array_map.hpp"
#include "runtime/maps/hash_map.hpp"

namespace ebpfjit::maps {
namespace {

struct SharedMaps {
    std::mutex lock;
    std::unordered_map<uint32_t, std::weak_ptr<Map>> by_id;
};
SharedMaps& shared_maps() {
    static SharedMaps s;
    return s;
}

std::shared_ptr<Map> shared_by_id(uint32_t id) {
    auto& s = shared_maps();
    std::lock_guard guard(s.lock);
    auto it = s.by_id.find(id);
    return it == s.by_id.end() ? nullptr : it->second.lock();
}

} // namespace

void share_map(const std::shared_ptr<Map>& map) {
    auto& s = shared_maps();
    std::lock_guard guard(s.lock);
    s.by_id[map->id()] = map;
}

std::unique_ptr<MapInMap> MapInMap::create(const MapDefinition& def) {
    MapDefinition slots = def;
    slots.value_size = sizeof(Map*);
    slots.inner.reset();
    slots.name = def.name + ".slots";
    std::unique_ptr<Map> table;
    if (def.type == BPF_MAP_TYPE_ARRAY_OF_MAPS) {
        slots.type = BPF_MAP_TYPE_ARRAY;
        table = ArrayMap::create(slots);
    } else {
        slots.type = BPF_MAP_TYPE_HASH;
        table = HashMap::create(slots);
    }
    if (!table) return nullptr;
    return std::unique_ptr<MapInMap>(new MapInMap(def, std::move(table)));
}

MapInMap::MapInMap(const MapDefinition& def, std::unique_ptr<Map> slots)
    : Map(def), slots_(std::move(slots)) {}

bool MapInMap::compatible(const Map& inner) const {
    const MapDefinition& t = *definition().inner;
    const MapDefinition& d = inner.definition();
    const bool any_size = (t.flags & BPF_F_INNER_MAP) != 0;
    return d.type == t.type && d.key_size == t.key_size && d.value_size == t.value_size &&
           d.flags == t.flags && (any_size || d.max_entries == t.max_entries);
}

void* MapInMap::lookup(const void* key) {
    void* slot = slots_->lookup(key);
    if (slot == nullptr) return nullptr;
    return __atomic_load_n(static_cast<Map**>(slot), __ATOMIC_ACQUIRE);
}

int MapInMap::set_inner(const void* key, std::shared_ptr<Map> inner, uint64_t flags) {
    if (!inner || !compatible(*inner)) return -EINVAL;
    Map* raw = inner.get();
    if (definition().type == BPF_MAP_TYPE_ARRAY_OF_MAPS) {
        // fd arrays take BPF_ANY only; the slot always exists, readers see the swap atomically.
        if (flags != BPF_ANY) return -EINVAL;
        void* slot = slots_->lookup(key);
        if (slot == nullptr) return -E2BIG;
        __atomic_store_n(static_cast<Map**>(slot), raw, __ATOMIC_RELEASE);
    } else if (int err = slots_->update(key, &raw, flags)) {
        return err;
    }
    std::lock_guard guard(owners_lock_);
    if (std::find(owners_.begin(), owners_.end(), inner) == owners_.end())
        owners_.push_back(std::move(inner));
    return 0;
}

std::shared_ptr<Map> MapInMap::inner_at(const void* key) {
    Map* raw = static_cast<Map*>(lookup(key));
    if (raw == nullptr) return nullptr;
    std::lock_guard guard(owners_lock_);
    for (auto& m : owners_)
        if (m.get() == raw) return m;
    return nullptr;
}

int MapInMap::update(const void* key, const void* value, uint64_t flags) {
    uint32_t id;
    std::memcpy(&id, value, sizeof id);
    auto inner = shared_by_id(id);
    if (!inner) return -EBADF; // the kernel's answer for an fd that is not a map
    return set_inner(key, std::move(inner), flags);
}

int MapInMap::remove(const void* key) {
    if (definition().type == BPF_MAP_TYPE_ARRAY_OF_MAPS) {
        void* slot = slots_->lookup(key);
        if (slot == nullptr) return -E2BIG;
        Map* old = __atomic_exchange_n(static_cast<Map**>(slot), nullptr, __ATOMIC_ACQ_REL);
        return old == nullptr ? -ENOENT : 0;
    }
    // Installed maps stay owned until this map goes: a program may still hold them.
    return slots_->remove(key);
}

int MapInMap::get_next_key(const void* key, void* next_key) {
    return slots_->get_next_key(key, next_key);
}

int MapInMap::lookup_copy(const void* key, void* value_out, uint64_t flags) {
    if (flags != 0) return -EINVAL;
    auto* inner = static_cast<Map*>(lookup(key));
    if (inner == nullptr) return -ENOENT;
    const uint32_t id = inner->id();
    std::memcpy(value_out, &id, sizeof id);
    return 0;
}

} // namespace ebpfjit::maps
