#include "helpers/map_lookup_plan.hpp"

#include <linux/bpf.h>

#include "runtime/maps/array_map.hpp"
#include "runtime/maps/hash_map.hpp"

namespace ebpfjit::helpers {

namespace {

// map_lookup_elem for a map known to be a HashMap: a qualified, non-virtual call.
uint64_t hash_map_lookup_elem(uint64_t map, uint64_t key, uint64_t, uint64_t, uint64_t) {
    auto* hash = static_cast<maps::HashMap*>(reinterpret_cast<maps::Map*>(map));
    return reinterpret_cast<uint64_t>(hash->maps::HashMap::lookup(reinterpret_cast<const void*>(key)));
}

} // namespace

MapLookupPlan plan_map_lookup(maps::Map* map) {
    MapLookupPlan plan;
    if (map == nullptr) return plan;
    switch (map->definition().type) {
    case BPF_MAP_TYPE_ARRAY: {
        auto* array = dynamic_cast<maps::ArrayMap*>(map);
        if (array == nullptr) break;
        plan.inline_array = true;
        plan.array.value_base = reinterpret_cast<uint64_t>(array->value_base());
        plan.array.max_entries = map->definition().max_entries;
        plan.array.value_stride = array->value_stride();
        break;
    }
    case BPF_MAP_TYPE_HASH:
        if (auto* hash = dynamic_cast<maps::HashMap*>(map); hash != nullptr && hash->has_word_lookup()) {
            plan.direct = map->definition().key_size == 4 ? &maps::HashMap::lookup_word_elem<4>
                                                          : &maps::HashMap::lookup_word_elem<8>;
            break;
        }
        [[fallthrough]];
    case BPF_MAP_TYPE_PERCPU_HASH:
    case BPF_MAP_TYPE_LRU_HASH:
    case BPF_MAP_TYPE_LRU_PERCPU_HASH:
        if (dynamic_cast<maps::HashMap*>(map) != nullptr) plan.direct = &hash_map_lookup_elem;
        break;
    default: break;
    }
    return plan;
}

} // namespace ebpfjit::helpers
