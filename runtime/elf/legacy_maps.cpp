// The legacy `maps` section: an array of struct bpf_map_def, one symbol per map.
//   struct bpf_map_def { u32 type, key_size, value_size, max_entries, map_flags; };
// Older objects may use a shorter or longer struct; as libbpf does, the definition size
// is the section size divided by the number of map symbols, and at least the first
// four fields must be present.
#include <algorithm>
#include <cstring>
#include <elf.h>
#include <fmt/format.h>

#include "runtime/elf/map_table.hpp"

namespace ebpfjit::runtime::elf {

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
    constexpr uint64_t kMinDefSize = 4 * sizeof(uint32_t);
    if (def_size < kMinDefSize || def_size % sizeof(uint32_t) != 0)
        return fail(section_error(*section, 0, fmt::format("map definition size {} is invalid", def_size)));

    if (section->data.size() != section->size) // SHT_NOBITS: a size but no bytes to read
        return fail(section_error(*section, 0, fmt::format("the maps section has no contents ({} bytes claimed)",
                                                          section->size)));
    for (const Symbol* sym : symbols) {
        if (sym->value % def_size != 0 || sym->value + def_size > section->size)
            return fail(section_error(*section, sym->value,
                                      fmt::format("map '{}' is not at a definition boundary", sym->name)));
        uint32_t fields[5] = {};
        std::memcpy(fields, section->data.data() + sym->value, std::min<uint64_t>(def_size, sizeof fields));
        MapSpec spec;
        spec.origin = MapOrigin::LegacyMaps;
        spec.section = section->name;
        spec.def = {.type = fields[0], .key_size = fields[1], .value_size = fields[2],
                    .max_entries = fields[3], .flags = fields[4], .name = sym->name, .inner = nullptr};
        if (auto ok = check_definition(spec.def, *section, sym->value); !ok) return ok;
        table.locations.push_back({section->index, sym->value, def_size, uint32_t(table.maps.size()), {}});
        table.maps.push_back(std::move(spec));
    }
    return {};
}

} // namespace ebpfjit::runtime::elf
