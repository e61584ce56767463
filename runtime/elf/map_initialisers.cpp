// libbpf's declarative initialisation of prog arrays and map-in-map:
//   struct { ...; __array(values, ...); } m SEC(".maps") = { .values = { [i] = &x } };
// clang leaves the array as zeros and emits one R_BPF_64_ABS64 in .rel.maps per filled
// slot, at  map offset + offsetof(values) + 8 * i,  naming the program or inner map.
#include <elf.h>
#include <fmt/format.h>
#include <linux/bpf.h>

#include "runtime/elf/map_table.hpp"

namespace ebpfjit::runtime::elf {

namespace {

constexpr uint32_t kRelocAbs64 = 2; // R_BPF_64_ABS64

bool is_map_of_maps(uint32_t type) {
    return type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

} // namespace

Result<void> collect_map_initialisers(const ElfFile& file, MapTable& table) {
    const Section* section = file.find_section(".maps");
    if (!section) return {};
    for (const Relocation& rel : file.relocations_for(section->index)) {
        const MapLocation* loc = nullptr;
        for (const auto& l : table.locations)
            if (l.section == section->index && rel.offset >= l.offset && rel.offset - l.offset < l.size) loc = &l;
        if (!loc)
            return fail(section_error(*section, rel.offset, "relocation outside every map definition"));
        MapSpec& map = table.maps[loc->map];
        const std::string& name = map.def.name;
        if (rel.type != kRelocAbs64)
            return fail(section_error(*section, rel.offset,
                                      fmt::format("map '{}': unexpected relocation type {}", name, rel.type)));
        const uint64_t within = rel.offset - loc->offset;
        if (!loc->values_offset || within < *loc->values_offset || (within - *loc->values_offset) % 8 != 0)
            return fail(section_error(*section, rel.offset,
                                      fmt::format("map '{}': relocation is not in a 'values' slot", name)));
        const uint64_t slot = (within - *loc->values_offset) / 8;
        if (slot >= map.def.max_entries)
            return fail(section_error(*section, rel.offset,
                                      fmt::format("map '{}': slot {} exceeds max_entries {}", name, slot,
                                                  map.def.max_entries)));

        const Symbol& target = file.symbols()[rel.symbol];
        const Section* target_section = target.section < SHN_LORESERVE ? file.section(target.section) : nullptr;
        if (target.section == SHN_UNDEF || !target_section)
            return fail(section_error(*section, rel.offset,
                                      fmt::format("map '{}': relocation to unknown symbol '{}'", name, target.name)));

        if (map.def.type == BPF_MAP_TYPE_PROG_ARRAY) {
            // STT_NOTYPE: a program of an old object, named by its untyped global symbol.
            const bool function = target.type == STT_FUNC || (target.type == STT_NOTYPE && target.bind != STB_LOCAL);
            if (!function || !target_section->executable() || target_section->name == ".text")
                return fail(section_error(*section, rel.offset,
                                          fmt::format("map '{}': slot {} names '{}', which is not a program", name,
                                                      slot, target.name)));
            map.initial_programs.push_back({uint32_t(slot), target.name});
        } else if (is_map_of_maps(map.def.type)) {
            auto inner = table.map_at(target.section, target.value);
            if (!inner)
                return fail(section_error(*section, rel.offset,
                                          fmt::format("map '{}': slot {} names '{}', which is not a map", name, slot,
                                                      target.name)));
            const auto& inner_def = table.maps[*inner].def;
            const auto& tmpl = *map.def.inner;
            if (inner_def.type != tmpl.type || inner_def.key_size != tmpl.key_size ||
                inner_def.value_size != tmpl.value_size)
                return fail(section_error(*section, rel.offset,
                                          fmt::format("map '{}': inner map '{}' does not match the inner definition",
                                                      name, target.name)));
            map.initial_maps.push_back({uint32_t(slot), *inner});
        } else {
            return fail(section_error(*section, rel.offset,
                                      fmt::format("map '{}': only prog arrays and map-in-map take initial values",
                                                  name)));
        }
    }
    return {};
}

} // namespace ebpfjit::runtime::elf
