// The legacy `maps` section: an array of fixed-size definitions, one symbol per map.
// Two layouts share it, and agree on their first five fields:
//   libbpf  struct bpf_map_def { u32 type, key_size, value_size, max_entries, map_flags; };
//   iproute2 struct bpf_elf_map { u32 type, size_key, size_value, max_elem, flags,
//                                     id, pinning, inner_id, inner_idx; };
// As both loaders do, the definition size is the section size divided by the number of
// map symbols; at least the first four fields must be present (iproute2's
// bpf_elf_map_min), missing fields read as zero, and bytes past the 36 iproute2 knows
// must be zero (libbpf: "unrecognized, non-zero options").
//
// iproute2's map-in-map: the outer map names its inner template by `inner_id` (the `id`
// of another map in the section); every map with an `id`, no `inner_id` and an
// `inner_idx` other than -1 is installed at slot `inner_idx` of each outer map whose
// `inner_id` is its `id` (lib/bpf_legacy.c, bpf_maps_attach_all).
#include <algorithm>
#include <cstring>
#include <elf.h>
#include <fmt/format.h>
#include <linux/bpf.h>

#include "runtime/elf/map_table.hpp"

namespace ebpfjit::runtime::elf {

namespace {

constexpr uint64_t kMinDefSize = 4 * sizeof(uint32_t);  // type, key, value, max entries
constexpr size_t kElfMapFields = 9;                       // struct bpf_elf_map
constexpr uint64_t kElfMapSize = kElfMapFields * sizeof(uint32_t);
constexpr uint32_t kNoInnerIndex = UINT32_MAX;            // inner_idx -1: not installed anywhere

// iproute2's pinning values (include/bpf_elf.h).
constexpr uint32_t kPinNone = 0, kPinObjectNs = 1, kPinGlobalNs = 2;
constexpr uint32_t kPinCiliumReplace = 1u << 4; // bpf/include/bpf/loader.h CILIUM_PIN_REPLACE

bool is_map_of_maps(uint32_t type) {
    return type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

struct LegacyMap {
    uint32_t index;   // into MapTable::maps
    uint64_t offset;  // of the definition in the section
    uint32_t id, inner_id, inner_idx;
};

Result<MapPinning> pinning_of(uint32_t value, const Section& section, uint64_t offset, const std::string& name) {
    switch (value) {
    case kPinNone: return MapPinning::None;
    case kPinObjectNs: return MapPinning::ObjectNs;
    case kPinGlobalNs: return MapPinning::ByName;
    case kPinCiliumReplace: return MapPinning::Replace;
    default:
        return fail(section_error(section, offset + 6 * sizeof(uint32_t),
                                  fmt::format("map '{}': pinning {} is a custom iproute2 pinning id (looked up in "
                                              "/etc/iproute2/bpf_pinning), which ebpfjit does not read; use 0 "
                                              "(none), 1 (object), 2 (global) or 16 (Cilium's replace)",
                                              name, value)));
    }
}

// The outer maps' templates and initial slots, once every definition is read.
Result<void> link_map_in_map(const Section& section, const std::vector<LegacyMap>& legacy, MapTable& table) {
    auto by_id = [&](uint32_t id) -> const LegacyMap* {
        for (const auto& m : legacy)
            if (m.id == id) return &m;
        return nullptr;
    };
    for (const LegacyMap& outer : legacy) {
        MapSpec& spec = table.maps[outer.index];
        if (!is_map_of_maps(spec.def.type)) {
            if (outer.inner_id != 0)
                return fail(section_error(section, outer.offset + 7 * sizeof(uint32_t),
                                          fmt::format("map '{}': inner_id {} on a map that is not a map of maps",
                                                      spec.def.name, outer.inner_id)));
            continue;
        }
        if (outer.inner_id == 0)
            return fail(section_error(section, outer.offset + 7 * sizeof(uint32_t),
                                      fmt::format("map '{}': a map of maps needs inner_id, the id of its inner map "
                                                  "template", spec.def.name)));
        const LegacyMap* tmpl = by_id(outer.inner_id);
        if (!tmpl)
            return fail(section_error(section, outer.offset + 7 * sizeof(uint32_t),
                                      fmt::format("map '{}': inner_id {} names no map of this section",
                                                  spec.def.name, outer.inner_id)));
        const maps::MapDefinition& inner = table.maps[tmpl->index].def;
        if (is_map_of_maps(inner.type))
            return fail(section_error(section, tmpl->offset,
                                      fmt::format("map '{}': inner map '{}' is itself a map of maps", spec.def.name,
                                                  inner.name)));
        spec.def.inner = std::make_shared<const maps::MapDefinition>(inner);
        for (const LegacyMap& m : legacy) {
            if (m.id != outer.inner_id || m.inner_id != 0 || m.inner_idx == kNoInnerIndex) continue;
            if (m.inner_idx >= spec.def.max_entries)
                return fail(section_error(section, m.offset + 8 * sizeof(uint32_t),
                                          fmt::format("map '{}': inner_idx {} is out of range for '{}' "
                                                      "(max_elem {})", table.maps[m.index].def.name, m.inner_idx,
                                                      spec.def.name, spec.def.max_entries)));
            spec.initial_maps.push_back({m.inner_idx, m.index});
        }
    }
    return {};
}

} // namespace

Result<void> collect_legacy_maps(const ElfFile& file, MapTable& table) {
    const Section* section = file.find_section("maps");
    if (!section) return {};
    if (section->type == SHT_NOBITS)
        return fail(section_error(*section, 0, "legacy map definitions must be initialised"));

    std::vector<const Symbol*> symbols;
    for (const auto& s : file.symbols())
        if (s.section == section->index && s.type != STT_SECTION && !s.name.empty()) symbols.push_back(&s);
    if (symbols.empty()) {
        if (section->size == 0) return {};
        return fail(section_error(*section, 0, "map definitions without symbols"));
    }
    std::ranges::sort(symbols, {}, &Symbol::value);
    const uint64_t def_size = section->size / symbols.size();
    if (def_size < kMinDefSize || def_size % sizeof(uint32_t) != 0 || section->size % symbols.size() != 0)
        return fail(section_error(*section, 0, fmt::format("map definition size {} is invalid ({} bytes for {} "
                                                          "map symbols; at least {} bytes, a multiple of 4)",
                                                          def_size, section->size, symbols.size(), kMinDefSize)));

    if (section->data.size() != section->size) // SHT_NOBITS: a size but no bytes to read
        return fail(section_error(*section, 0, fmt::format("the maps section has no contents ({} bytes claimed)",
                                                          section->size)));
    std::vector<LegacyMap> legacy;
    for (const Symbol* sym : symbols) {
        if (sym->value % def_size != 0 || sym->value + def_size > section->size)
            return fail(section_error(*section, sym->value,
                                      fmt::format("map '{}' is not at a definition boundary", sym->name)));
        const uint8_t* bytes = section->data.data() + sym->value;
        uint32_t fields[kElfMapFields] = {};
        std::memcpy(fields, bytes, std::min<uint64_t>(def_size, sizeof fields));
        for (uint64_t at = kElfMapSize; at < def_size; ++at)
            if (bytes[at] != 0)
                return fail(section_error(*section, sym->value + at,
                                          fmt::format("map '{}': definition of {} bytes has non-zero bytes past "
                                                      "the {} of struct bpf_elf_map (unknown options)",
                                                      sym->name, def_size, kElfMapSize)));
        MapSpec spec;
        spec.origin = MapOrigin::LegacyMaps;
        spec.section = section->name;
        spec.offset = sym->value;
        spec.def = {.type = fields[0], .key_size = fields[1], .value_size = fields[2],
                    .max_entries = fields[3], .flags = fields[4], .name = sym->name, .inner = nullptr};
        spec.legacy_id = fields[5];
        auto pinning = pinning_of(fields[6], *section, sym->value, sym->name);
        if (!pinning) return fail(pinning.error());
        spec.pinning = *pinning;
        if (auto ok = check_definition(spec.def, *section, sym->value); !ok) return ok;
        if (auto ok = size_map(table, spec.def, *section, sym->value); !ok) return ok;
        // Without the iproute2 fields inner_idx reads 0; only a map with an id is installed.
        legacy.push_back({uint32_t(table.maps.size()), sym->value, fields[5], fields[7],
                          def_size > 8 * sizeof(uint32_t) ? fields[8] : kNoInnerIndex});
        table.locations.push_back({section->index, sym->value, def_size, uint32_t(table.maps.size()), {}});
        table.maps.push_back(std::move(spec));
    }
    return link_map_in_map(*section, legacy, table);
}

} // namespace ebpfjit::runtime::elf
