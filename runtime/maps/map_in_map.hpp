// BPF_MAP_TYPE_ARRAY_OF_MAPS and BPF_MAP_TYPE_HASH_OF_MAPS. As in the kernel, a
// program-side lookup returns the inner map itself (a Map*, which the program passes on
// as the map argument of further helpers); on the syscall side a value is the inner
// map's u32 id (value_size 4). Inner maps must match the definition's `inner` template
// (type, key_size, value_size, flags, and max_entries unless BPF_F_INNER_MAP).
//
// Slots hold shared ownership, so an inner map lives while it is installed.
#pragma once

#include <memory>
#include <mutex>

#include "runtime/maps/map.hpp"

namespace ebpfjit::maps {

class MapInMap final : public Map {
public:
    // Built on an ARRAY (ARRAY_OF_MAPS) or HASH (HASH_OF_MAPS) of 8-byte Map* slots.
    static std::unique_ptr<MapInMap> create(const MapDefinition& def);

    void* lookup(const void* key) override;                           // the inner Map*
    int update(const void* key, const void* value, uint64_t flags) override; // value: u32 id
    int remove(const void* key) override;
    int get_next_key(const void* key, void* next_key) override;
    int lookup_copy(const void* key, void* value_out, uint64_t flags) override; // u32 id

    // Installs `inner` at `key` (the loader's and embedder's way in); -EINVAL when it does
    // not match the template.
    int set_inner(const void* key, std::shared_ptr<Map> inner, uint64_t flags = 0);
    std::shared_ptr<Map> inner_at(const void* key);

private:
    MapInMap(const MapDefinition& def, std::unique_ptr<Map> slots);
    bool compatible(const Map& inner) const;

    std::unique_ptr<Map> slots_;      // key -> Map* (8 bytes)
    std::mutex owners_lock_;
    std::vector<std::shared_ptr<Map>> owners_; // keeps installed maps alive
};

// Registers a map created elsewhere so that syscall-style updates of map-in-map slots
// (value = id) can find and share it.
void share_map(const std::shared_ptr<Map>& map);

} // namespace ebpfjit::maps
