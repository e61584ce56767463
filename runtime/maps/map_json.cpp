#include "runtime/maps/map_json.hpp"

#include <linux/bpf.h>

#include <fmt/format.h>

#include <vector>

#include "runtime/maps/map_factory.hpp"
#include "runtime/maps/percpu.hpp"

namespace ebpfjit::maps {

nlohmann::json bytes_to_json(const void* data, size_t size) {
    auto json = nlohmann::json::array();
    const auto* p = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < size; ++i) json.push_back(fmt::format("0x{:02x}", p[i]));
    return json;
}

nlohmann::json map_to_json(Map& map) {
    const MapDefinition& def = map.definition();
    nlohmann::json out = {
        {"name", def.name},
        {"type", std::string(map_type_name(def.type))},
        {"key_size", def.key_size},
        {"value_size", def.value_size},
        {"max_entries", def.max_entries},
    };
    auto entries = nlohmann::json::array();
    if (def.type == BPF_MAP_TYPE_QUEUE || def.type == BPF_MAP_TYPE_STACK) {
        // Listing would need pops; show what a peek (BPF_MAP_LOOKUP_ELEM) sees.
        std::vector<uint8_t> value(def.value_size);
        if (map.peek(value.data()) == 0)
            entries.push_back({{"value", bytes_to_json(value.data(), value.size())}});
    } else if (def.key_size != 0) {
        std::vector<uint8_t> key(def.key_size), next(def.key_size);
        std::vector<uint8_t> value(map.value_copy_size());
        const uint32_t cpus = map.is_percpu() ? possible_cpus() : 1;
        const uint32_t stride = (def.value_size + 7) & ~7u;
        const void* cursor = nullptr;
        while (map.get_next_key(cursor, next.data()) == 0) {
            key.swap(next);
            cursor = key.data();
            // DEVMAP and map-in-map slots that are empty are skipped like bpftool does.
            if (map.lookup_copy(key.data(), value.data(), 0) != 0) continue;
            nlohmann::json entry = {{"key", bytes_to_json(key.data(), key.size())}};
            if (map.is_percpu()) {
                auto values = nlohmann::json::array();
                for (uint32_t cpu = 0; cpu < cpus; ++cpu)
                    values.push_back({{"cpu", cpu},
                                      {"value", bytes_to_json(value.data() + size_t{cpu} * stride,
                                                              def.value_size)}});
                entry["values"] = std::move(values);
            } else {
                const size_t shown = (def.type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
                                      def.type == BPF_MAP_TYPE_HASH_OF_MAPS)
                                         ? 4 : def.value_size;
                entry["value"] = bytes_to_json(value.data(), shown);
            }
            entries.push_back(std::move(entry));
        }
    }
    out["entries"] = std::move(entries);
    return out;
}

} // namespace ebpfjit::maps
