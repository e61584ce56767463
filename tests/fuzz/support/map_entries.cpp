#include "map_entries.hpp"

#include <algorithm>

namespace ebpfjit::fuzz {

Entries sorted_entries(maps::Map& map) {
    Entries entries;
    const auto& def = map.definition();
    map.for_each([&](const void* key, void* value) {
        auto k = static_cast<const uint8_t*>(key);
        auto v = static_cast<const uint8_t*>(value);
        entries.emplace_back(std::vector<uint8_t>(k, k + def.key_size), std::vector<uint8_t>(v, v + def.value_size));
        return true;
    });
    std::sort(entries.begin(), entries.end());
    return entries;
}

} // namespace ebpfjit::fuzz
