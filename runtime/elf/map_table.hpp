// Collects the object's maps (BTF `.maps`, legacy `maps`, global data sections) and
// remembers where each one lives in the file, so relocations can name them by index.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ebpfjit/error.hpp"
#include "runtime/elf/elf_file.hpp"
#include "runtime/elf/object_description.hpp"

struct btf;

namespace ebpfjit::runtime::elf {

// A map definition's bytes inside `.maps` or `maps`.
struct MapLocation {
    size_t section = 0;
    uint64_t offset = 0;
    uint64_t size = 0;
    uint32_t map = 0;
    std::optional<uint64_t> values_offset; // BTF `__array(values, ...)` member, for .rel.maps
};

// Map name -> max_entries chosen by the user before load (libbpf's bpf_map__set_max_entries).
using MapSizes = std::map<std::string, uint32_t, std::less<>>;

struct MapTable {
    MapSizes sizes; // read-only input: applied to each top-level map as it is read
    std::vector<MapSpec> maps;
    std::vector<MapLocation> locations;
    std::vector<std::pair<size_t, uint32_t>> data_sections; // section index -> map index

    // The map whose definition starts at (section, offset) in .maps / maps.
    std::optional<uint32_t> map_at(size_t section, uint64_t offset) const;
    // The global-data map backed by `section`.
    std::optional<uint32_t> data_map(size_t section) const;
};

// BTF-defined maps in `.maps` (needs .BTF), in declaration order.
Result<void> collect_btf_maps(const ElfFile& file, const struct btf* btf, MapTable& table);
// struct bpf_map_def entries in the legacy `maps` section, in offset order.
Result<void> collect_legacy_maps(const ElfFile& file, MapTable& table);
// .data, .data.*, .rodata, .rodata.*, .bss, .bss.*: one single-entry ARRAY each.
Result<void> collect_global_data(const ElfFile& file, MapTable& table);
// `.values = { [i] = &x }` initialisers from .rel.maps: prog arrays and map-in-map.
Result<void> collect_map_initialisers(const ElfFile& file, MapTable& table);

// Rejects definitions the map layer cannot create (key_size 0 where a key is needed, ...),
// after the loaders' conventions for sizes an object may leave 0 (a perf event array's u32
// key and value: cilium/ebpf's fixupMagicFields, which Cilium, Retina and Tetragon load
// with). max_entries is checked apart: the user may still size a top-level map before load.
Result<void> check_definition(maps::MapDefinition& def, const Section& section, uint64_t offset);
// Rejects max_entries 0 (but for a perf event array, which gets one entry per CPU).
Result<void> check_max_entries(const maps::MapDefinition& def, const Section& section, uint64_t offset);
// A top-level map just read: takes the user's size for its name, if any, then checks it.
// Done as the map is read, so every later check (initialiser slots, iproute2 inner_idx and
// tail-call keys, the inner templates legacy maps copy) sees the size the map is created with.
Result<void> size_map(const MapTable& table, maps::MapDefinition& def, const Section& section, uint64_t offset);
// After every map is read: each name in table.sizes names a map the user may size.
Result<void> check_sizes_used(const MapTable& table);

} // namespace ebpfjit::runtime::elf
