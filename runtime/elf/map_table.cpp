#include "runtime/elf/map_table.hpp"

#include <fmt/format.h>
#include <linux/bpf.h>

#include "engine_abi/kernel_ids.hpp"

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

Result<void> check_definition(maps::MapDefinition& def, const Section& section, uint64_t offset) {
    // A perf event array's key is a CPU index and its value a perf event fd: both u32,
    // which cilium/ebpf fills in where the object says 0 (any other size is refused, as
    // both loaders do).
    if (def.type == BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
        if (def.key_size == 0) def.key_size = 4;
        if (def.value_size == 0) def.value_size = 4;
        if (def.key_size != 4 || def.value_size != 4)
            return fail(section_error(section, offset,
                                      fmt::format("map '{}': a perf event array's key (a CPU index) and value (a perf "
                                                  "event fd) are 4 bytes, not {} and {}",
                                                  def.name, def.key_size, def.value_size)));
    }
    if (def.type == BPF_MAP_TYPE_UNSPEC)
        return fail(section_error(section, offset, fmt::format("map '{}' has no type", def.name)));
    if (def.key_size == 0 && !keyless(def.type))
        return fail(section_error(section, offset, fmt::format("map '{}' has key_size 0", def.name)));
    if (def.value_size == 0 && def.type != BPF_MAP_TYPE_RINGBUF && def.type != BPF_MAP_TYPE_USER_RINGBUF)
        return fail(section_error(section, offset, fmt::format("map '{}' has value_size 0", def.name)));
    return {};
}

// Local-storage maps (sk_storage, ...) are sized by the objects they hang off: libbpf and
// the kernel want max_entries 0 and refuse anything else.
static Result<void> local_storage_unsized(const maps::MapDefinition& def, const Section& section, uint64_t offset) {
    if (def.max_entries != 0)
        return fail(section_error(section, offset, fmt::format("map '{}' is a local-storage map (type {}): its "
                                                               "max_entries must be 0, not {}", def.name, def.type,
                                                               def.max_entries)));
    return {};
}

Result<void> check_max_entries(const maps::MapDefinition& def, const Section& section, uint64_t offset) {
    if (engine_abi::is_local_storage(def.type)) return local_storage_unsized(def, section, offset);
    // A perf event array of max_entries 0 gets one entry per possible CPU (libbpf's
    // map_set_def_max_entries); the loader fills that in once every map is read.
    if (def.max_entries == 0 && def.type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
        return fail(section_error(section, offset, fmt::format("map '{}' has max_entries 0", def.name)));
    return {};
}

Result<void> size_map(const MapTable& table, maps::MapDefinition& def, const Section& section, uint64_t offset) {
    if (engine_abi::is_local_storage(def.type)) {
        if (table.sizes.count(def.name))
            return fail(section_error(section, offset, fmt::format("map '{}' is a local-storage map: it has no size "
                                                                   "to give (max_entries stays 0)", def.name)));
        return local_storage_unsized(def, section, offset);
    }
    if (auto it = table.sizes.find(def.name); it != table.sizes.end()) {
        if (it->second == 0)
            return fail(section_error(section, offset, fmt::format("map '{}': max_entries 0 given for it; a size "
                                                                   "must be at least 1", def.name)));
        def.max_entries = it->second;
    }
    if (def.max_entries == 0 && def.type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
        return fail(section_error(section, offset, fmt::format("map '{}' has max_entries 0; give its size before "
                                                               "load (OpenOptions::map_max_entries, "
                                                               "--map-max-entries {}=N)", def.name, def.name)));
    return {};
}

Result<void> check_sizes_used(const MapTable& table) {
    for (const auto& [name, size] : table.sizes) {
        const MapSpec* found = nullptr;
        for (const MapSpec& m : table.maps)
            if (m.def.name == name) found = &m;
        if (!found) {
            std::string known;
            for (const MapSpec& m : table.maps)
                if (m.origin != MapOrigin::GlobalData) known += fmt::format("{}'{}'", known.empty() ? "" : ", ", m.def.name);
            return fail(Error::plain(fmt::format("max_entries given for map '{}', which this object does not define "
                                                 "(its maps: {})", name, known.empty() ? "none" : known)));
        }
        if (found->origin == MapOrigin::GlobalData)
            return fail(section_error(found->section, fmt::format("max_entries given for '{}', a global data map: "
                                                                  "it always has one entry", name)));
    }
    return {};
}

} // namespace ebpfjit::runtime::elf
