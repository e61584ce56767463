// BTF-defined maps. libbpf's bpf_helpers.h macros encode each attribute in a member's
// *type*, which is how the values survive without any initialiser:
//   __uint(name, N)      int (*name)[N]           -> PTR -> ARRAY with nelems N
//   __type(name, T)      typeof(T) *name          -> PTR -> T (size via btf__resolve_size)
//   __array(values, T)   typeof(T) *values[]      -> ARRAY[0] of PTR -> inner def / FUNC_PROTO
#include <bpf/btf.h>
#include <cstring>
#include <vector>
#include <elf.h>
#include <fmt/format.h>
#include <linux/bpf.h>

#include "runtime/elf/map_table.hpp"

namespace ebpfjit::runtime::elf {

namespace {

struct BtfView {
    const struct btf* btf;
    const Section& section; // .maps, for error locations
    uint64_t offset;        // the map variable's offset, for error locations

    const btf_type* type(uint32_t id) const { return btf__type_by_id(btf, id); }
    std::string name(uint32_t off) const {
        const char* n = btf__name_by_offset(btf, off);
        return n ? n : "";
    }
    // Follows const/volatile/restrict/type tags and typedefs; returns 0 on a bad id.
    uint32_t skip_mods(uint32_t id) const {
        for (int depth = 0; depth < 64; ++depth) {
            const btf_type* t = type(id);
            if (!t) return 0;
            if (!btf_is_mod(t) && !btf_is_typedef(t)) return id;
            id = t->type;
        }
        return 0;
    }
    Error error(std::string message) const { return section_error(section, offset, std::move(message)); }
};

// __uint(field, N): PTR to ARRAY of N elements.
Result<uint32_t> uint_field(const BtfView& v, const std::string& map, const std::string& field, uint32_t type_id) {
    const btf_type* ptr = v.type(v.skip_mods(type_id));
    if (!ptr || !btf_is_ptr(ptr))
        return fail(v.error(fmt::format("map '{}': field '{}' is not declared with __uint()", map, field)));
    const btf_type* arr = v.type(v.skip_mods(ptr->type));
    if (!arr || !btf_is_array(arr))
        return fail(v.error(fmt::format("map '{}': field '{}' is not declared with __uint()", map, field)));
    return btf_array(arr)->nelems;
}

// __type(field, T): PTR to T; returns T's id and size.
Result<std::pair<uint32_t, uint32_t>> type_field(const BtfView& v, const std::string& map, const std::string& field,
                                                 uint32_t type_id) {
    const btf_type* ptr = v.type(v.skip_mods(type_id));
    if (!ptr || !btf_is_ptr(ptr))
        return fail(v.error(fmt::format("map '{}': field '{}' is not declared with __type()", map, field)));
    const __s64 size = btf__resolve_size(v.btf, ptr->type);
    if (size < 0 || size > UINT32_MAX)
        return fail(v.error(fmt::format("map '{}': cannot size the type of '{}'", map, field)));
    return std::pair{uint32_t(ptr->type), uint32_t(size)};
}

// The offsets of the value type's fields whose type is `struct <special>` (bpf_spin_lock,
// bpf_timer: the fields the kernel's btf_parse_fields records), in nested structs and array
// elements too, as the kernel's btf_find_nested_struct (gtp-guard keeps its timer in a
// struct inside the value).
void find_special_fields(const BtfView& v, uint32_t type, uint32_t base, std::string_view special, int depth,
                         std::vector<uint32_t>& out) {
    const btf_type* t = v.type(v.skip_mods(type));
    if (!t || depth > 16 || out.size() > 1) return; // a second one is refused anyway
    if (btf_is_array(t)) {
        const struct btf_array* a = btf_array(t);
        const __s64 elem = btf__resolve_size(v.btf, a->type);
        if (elem <= 0) return;
        for (uint32_t i = 0; i < a->nelems && out.size() <= 1; ++i)
            find_special_fields(v, a->type, base + i * uint32_t(elem), special, depth + 1, out);
        return;
    }
    if (!btf_is_struct(t)) return;
    const btf_member* m = btf_members(t);
    for (uint16_t i = 0; i < btf_vlen(t); ++i) {
        const uint32_t off = base + btf_member_bit_offset(t, i) / 8;
        const btf_type* mt = v.type(v.skip_mods(m[i].type));
        if (mt && btf_is_struct(mt) && v.name(mt->name_off) == special) out.push_back(off);
        else find_special_fields(v, m[i].type, off, special, depth + 1, out);
    }
}

std::vector<uint32_t> special_field_offsets(const BtfView& v, uint32_t value_type, std::string_view special) {
    std::vector<uint32_t> out;
    const btf_type* t = v.type(v.skip_mods(value_type));
    if (!t || !btf_is_struct(t)) return out;
    find_special_fields(v, value_type, 0, special, 0, out);
    return out;
}

// At most one of each (the kernel: -E2BIG for a second), -1 when none.
Result<int32_t> special_field_offset(const BtfView& v, const std::string& map, uint32_t value_type,
                                     std::string_view special) {
    const std::vector<uint32_t> found = special_field_offsets(v, value_type, special);
    if (found.size() > 1)
        return fail(v.error(fmt::format("map '{}': the value holds {} struct {} (one at most; the kernel: E2BIG)", map,
                                        found.size(), special)));
    return found.empty() ? -1 : int32_t(found.front());
}

struct ParsedMap {
    MapSpec spec;
    std::optional<uint64_t> values_offset;
};

Result<ParsedMap> parse_map_struct(const BtfView& v, const std::string& name, uint32_t struct_id, int depth);

// __array(values, T): T is FUNC_PROTO for prog arrays, a map definition for map-in-map.
Result<void> parse_values(const BtfView& v, ParsedMap& out, uint32_t member_type, int depth) {
    const std::string& name = out.spec.def.name;
    const btf_type* arr = v.type(v.skip_mods(member_type));
    if (!arr || !btf_is_array(arr) || btf_array(arr)->nelems != 0)
        return fail(v.error(fmt::format("map '{}': 'values' is not declared with __array()", name)));
    const btf_type* ptr = v.type(v.skip_mods(btf_array(arr)->type));
    if (!ptr || !btf_is_ptr(ptr))
        return fail(v.error(fmt::format("map '{}': 'values' elements are not pointers", name)));
    const uint32_t target_id = v.skip_mods(ptr->type);
    const btf_type* target = v.type(target_id);
    const uint32_t type = out.spec.def.type;
    if (type == BPF_MAP_TYPE_PROG_ARRAY) {
        if (!target || !btf_is_func_proto(target))
            return fail(v.error(fmt::format("map '{}': prog array values must be function prototypes", name)));
    } else if (type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS) {
        if (depth > 0)
            return fail(v.error(fmt::format("map '{}': nested map-in-map definitions are not supported", name)));
        if (!target || !btf_is_struct(target))
            return fail(v.error(fmt::format("map '{}': inner map definition is not a struct", name)));
        auto inner = parse_map_struct(v, name + ".inner", target_id, depth + 1);
        if (!inner) return fail(inner.error());
        if (auto ok = check_definition(inner->spec.def, v.section, v.offset); !ok) return ok;
        // An inner template is not sized from outside (libbpf sizes it from its own BTF).
        if (auto ok = check_max_entries(inner->spec.def, v.section, v.offset); !ok) return ok;
        out.spec.def.inner = std::make_shared<const maps::MapDefinition>(std::move(inner->spec.def));
    } else {
        return fail(v.error(fmt::format("map '{}': 'values' is only valid for prog arrays and map-in-map", name)));
    }
    if (out.spec.def.value_size != 0 && out.spec.def.value_size != 4)
        return fail(v.error(fmt::format("map '{}': value_size must be 4 for a map of {}", name,
                                        type == BPF_MAP_TYPE_PROG_ARRAY ? "programs" : "maps")));
    out.spec.def.value_size = 4; // a program / map id, as the kernel sees it
    return {};
}

Result<ParsedMap> parse_map_struct(const BtfView& v, const std::string& name, uint32_t struct_id, int depth) {
    ParsedMap out;
    out.spec.def.name = name;
    out.spec.origin = MapOrigin::BtfMaps;
    out.spec.section = v.section.name;
    const btf_type* st = v.type(struct_id);
    if (!st || !btf_is_struct(st))
        return fail(v.error(fmt::format("map '{}': definition is not a struct", name)));

    auto& def = out.spec.def;
    std::optional<uint32_t> key_size, value_size;   // from __uint(key_size/value_size)
    std::optional<uint32_t> key_type, value_type;   // from __type(key/value)
    uint32_t key_type_size = 0, value_type_size = 0;
    std::optional<uint32_t> values_member_type;
    const btf_member* m = btf_members(st);
    for (uint16_t i = 0; i < btf_vlen(st); ++i) {
        const std::string field = v.name(m[i].name_off);
        auto as_uint = [&]() { return uint_field(v, name, field, m[i].type); };
        if (field == "type" || field == "max_entries" || field == "map_flags" || field == "key_size" ||
            field == "value_size" || field == "numa_node" || field == "pinning" || field == "map_extra") {
            auto n = as_uint();
            if (!n) return fail(n.error());
            if (field == "type") def.type = *n;
            else if (field == "max_entries") def.max_entries = *n;
            else if (field == "map_flags") def.flags = *n;
            else if (field == "key_size") key_size = *n;
            else if (field == "value_size") value_size = *n;
            else if (field == "map_extra") def.map_extra = *n;
            else if (field == "pinning") {
                // libbpf: LIBBPF_PIN_NONE (0) or LIBBPF_PIN_BY_NAME (1), anything else is refused.
                if (*n > 1)
                    return fail(v.error(fmt::format("map '{}': invalid pinning value {} (0 none, 1 "
                                                    "LIBBPF_PIN_BY_NAME)", name, *n)));
                out.spec.pinning = *n == 1 ? MapPinning::ByName : MapPinning::None;
            }
        } else if (field == "key" || field == "value") {
            auto t = type_field(v, name, field, m[i].type);
            if (!t) return fail(t.error());
            (field == "key" ? key_type : value_type) = t->first;
            (field == "key" ? key_type_size : value_type_size) = t->second;
        } else if (field == "values") {
            if (i + 1 != btf_vlen(st))
                return fail(v.error(fmt::format("map '{}': 'values' must be the last field", name)));
            values_member_type = m[i].type;
            out.values_offset = btf_member_bit_offset(st, i) / 8;
        } else {
            return fail(v.error(fmt::format("map '{}': unknown field '{}'", name, field)));
        }
    }
    // __type(key) and __uint(key_size) may both appear only when they agree (as in libbpf).
    if (key_type && key_size && *key_size != key_type_size)
        return fail(v.error(fmt::format("map '{}': key_size {} conflicts with key type size {}", name,
                                        *key_size, key_type_size)));
    if (value_type && value_size && *value_size != value_type_size)
        return fail(v.error(fmt::format("map '{}': value_size {} conflicts with value type size {}", name,
                                        *value_size, value_type_size)));
    def.key_size = key_type ? key_type_size : key_size.value_or(0);
    def.value_size = value_type ? value_type_size : value_size.value_or(0);
    if (value_type) {
        auto lock = special_field_offset(v, name, *value_type, "bpf_spin_lock");
        if (!lock) return fail(lock.error());
        auto timer = special_field_offset(v, name, *value_type, "bpf_timer");
        if (!timer) return fail(timer.error());
        def.spin_lock_offset = *lock;
        def.timer_offset = *timer;
    }
    if (values_member_type) {
        if (auto ok = parse_values(v, out, *values_member_type, depth); !ok) return fail(ok.error());
    }
    return out;
}

} // namespace

Result<void> collect_btf_maps(const ElfFile& file, const struct btf* btf, MapTable& table) {
    const Section* maps_section = file.find_section(".maps");
    if (!maps_section) return {};
    if (!btf) return fail(section_error(*maps_section, 0, "BTF-defined maps need the .BTF section, which is missing"));
    const __s32 datasec_id = btf__find_by_name_kind(btf, ".maps", BTF_KIND_DATASEC);
    if (datasec_id < 0)
        return fail(section_error(*maps_section, 0, ".BTF has no DATASEC describing .maps"));
    const btf_type* datasec = btf__type_by_id(btf, uint32_t(datasec_id));
    const btf_var_secinfo* vars = btf_var_secinfos(datasec);
    for (uint16_t i = 0; i < btf_vlen(datasec); ++i) {
        const btf_type* var = btf__type_by_id(btf, vars[i].type);
        if (!var || !btf_is_var(var))
            return fail(section_error(*maps_section, 0, fmt::format("DATASEC entry {} is not a variable", i)));
        const char* raw_name = btf__name_by_offset(btf, var->name_off);
        const std::string name = raw_name ? raw_name : "";
        // clang leaves DATASEC offsets at 0; the symbol table has the real ones (as libbpf does).
        const Symbol* symbol = nullptr;
        for (const auto& s : file.symbols())
            if (s.section == maps_section->index && s.type != STT_SECTION && s.name == name) symbol = &s;
        if (!symbol)
            return fail(section_error(*maps_section, 0, fmt::format("map '{}' has no symbol in .maps", name)));
        if (symbol->value > maps_section->size || vars[i].size > maps_section->size - symbol->value)
            return fail(section_error(*maps_section, symbol->value,
                                      fmt::format("map '{}' lies outside the section", name)));

        BtfView view{btf, *maps_section, symbol->value};
        auto parsed = parse_map_struct(view, name, view.skip_mods(var->type), 0);
        if (!parsed) return fail(parsed.error());
        if (auto ok = check_definition(parsed->spec.def, *maps_section, symbol->value); !ok) return ok;
        if (auto ok = size_map(table, parsed->spec.def, *maps_section, symbol->value); !ok) return ok;
        parsed->spec.offset = symbol->value;
        table.locations.push_back({maps_section->index, symbol->value, symbol->size ? symbol->size : vars[i].size, uint32_t(table.maps.size()),
                                   parsed->values_offset});
        table.maps.push_back(std::move(parsed->spec));
    }
    return {};
}

} // namespace ebpfjit::runtime::elf
