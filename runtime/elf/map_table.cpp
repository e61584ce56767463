#include "runtime/elf/map_table.hpp"

#include <fmt/format.h>
#include <linux/bpf.h>

namespace ebpfjit::runtime::elf {

std::optional<uint32_t> MapTable::map_at(size_t section, uint64_t offset) const {
    for (const auto& loc : locations)
        if (loc.section == section && loc.offset == offset) return loc.map;
    return std::nullopt;
}

std::optional<uint32_t> MapTable::data_map(size_t section) const {
    for (const auto& [index, map] : data_sections)
        if (index == section) return map;
    return std::nullopt;
}

namespace {

// Map types whose operations take no key (the kernel requires key_size 0 for them).
bool keyless(uint32_t type) {
    switch (type) {
    case BPF_MAP_TYPE_QUEUE:
    case BPF_MAP_TYPE_STACK:
    case BPF_MAP_TYPE_RINGBUF:
    case BPF_MAP_TYPE_USER_RINGBUF:
    case BPF_MAP_TYPE_BLOOM_FILTER:
        return true;
    default:
        return false;
    }
}

} // namespace

Result<void> check_definition(const maps::MapDefinition& def, const Section& section, uint64_t offset) {
    if (def.type == BPF_MAP_TYPE_UNSPEC)
        return fail(section_error(section, offset, fmt::format("map '{}' has no type", def.name)));
    if (def.key_size == 0 && !keyless(def.type))
        return fail(section_error(section, offset, fmt::format("map '{}' has key_size 0", def.name)));
    if (def.value_size == 0 && def.type != BPF_MAP_TYPE_RINGBUF && def.type != BPF_MAP_TYPE_USER_RINGBUF)
        return fail(section_error(section, offset, fmt::format("map '{}' has value_size 0", def.name)));
    // A perf event array of max_entries 0 gets one entry per possible CPU (libbpf's
    // map_set_def_max_entries); the loader fills that in once every map is read.
    if (def.max_entries == 0 && def.type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
        return fail(section_error(section, offset, fmt::format("map '{}' has max_entries 0", def.name)));
    return {};
}

} // namespace ebpfjit::runtime::elf
