// Creating maps from definitions (the loader's and the embedder's BPF_MAP_CREATE):
// validates a definition as the kernel's map_alloc_check functions do, charges the
// memory budget, then allocates. Every error names the map and gives the errno the
// kernel would have set, e.g. "map 'flows' (hash): key_size must be > 0 (EINVAL)".
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "ebpfjit/error.hpp"
#include "runtime/maps/map.hpp"

namespace ebpfjit::maps {

Result<std::unique_ptr<Map>> create_map(const MapDefinition& def);

// bpftool's name for a BPF_MAP_TYPE_* ("hash", "lru_percpu_hash", ...), "" if unknown.
std::string_view map_type_name(uint32_t type);

// Map types built outside runtime/maps (PROG_ARRAY: the tail-call engineer's
// prog_array.*) plug in here; the creator validates and allocates. create_map() charges
// the budget with `bytes(def)` first.
struct ExternalMapType {
    std::function<uint64_t(const MapDefinition&)> bytes;
    std::function<Result<std::unique_ptr<Map>>(const MapDefinition&)> create;
};
void register_map_type(uint32_t type, ExternalMapType creator);

} // namespace ebpfjit::maps
