// Map contents as JSON in the shape `bpftool map dump -j` prints, wrapped with the map's
// description:
//   {"name": "...", "type": "hash", "key_size": 4, "value_size": 8, "max_entries": 16,
//    "entries": [{"key": ["0x01", ...], "value": ["0x2a", ...]}, ...]}
// Per-CPU maps: "values": [{"cpu": 0, "value": [...]}, ...] instead of "value".
// QUEUE/STACK cannot be listed without popping: the entry is what a peek sees (value
// only). RINGBUF and BLOOM_FILTER have no enumerable entries (empty list).
#pragma once

#include <nlohmann/json.hpp>

#include "runtime/maps/map.hpp"

namespace ebpfjit::maps {

nlohmann::json map_to_json(Map& map);
// ["0x00", "0x1f", ...]
nlohmann::json bytes_to_json(const void* data, size_t size);

} // namespace ebpfjit::maps
