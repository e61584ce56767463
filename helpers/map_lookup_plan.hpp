// What bpf_map_lookup_elem on one known map can become in JIT code (jit/map_lookups.cpp
// asks when r1 at the call is an LDDW map reference):
//  - ARRAY: no call at all, the kernel's array_map_gen_lookup: bounds check + address
//    arithmetic (value_base + index * value_stride, or NULL when index >= max_entries);
//  - hash maps: a direct call to a function bound to the concrete map class, no virtual
//    dispatch (HashMap::lookup is itself lock-free, runtime/maps/hash_map.hpp); a plain
//    HASH map with a 4- or 8-byte key calls HashMap::lookup_word_elem itself (one call
//    deep, the key size a constant);
//  - anything else: the generic helper.
#pragma once

#include <cstdint>

#include "helpers/helper_table.hpp"

namespace ebpfjit::maps { class Map; }

namespace ebpfjit::helpers {

struct InlineArrayLookup {
    uint64_t value_base = 0; // address of element 0 (valid for the map's life)
    uint32_t max_entries = 0;
    uint32_t value_stride = 0;
};

struct MapLookupPlan {
    HelperFn direct = nullptr; // same contract as map_lookup_elem, for this map's class
    bool inline_array = false;
    InlineArrayLookup array;
};

// nullopt-like: direct == nullptr and !inline_array means "use the generic helper".
MapLookupPlan plan_map_lookup(maps::Map* map);

} // namespace ebpfjit::helpers
