// Map descriptions from real objects: BTF-defined maps, legacy maps, global data.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <linux/bpf.h>
#include <set>

#include "elf_test_support.hpp"

using namespace ebpfjit;
using namespace ebpfjit::runtime::elf;
using ebpfjit::runtime::elf::test::object_path;

namespace {

ObjectDescription load(const std::string& stem) {
    auto d = read_object_file(object_path(stem));
    if (!d) FAIL(d.error().to_string());
    return std::move(*d);
}

const MapSpec& map_named(const ObjectDescription& d, const std::string& name) {
    auto index = d.find_map(name);
    REQUIRE(index);
    return d.maps[*index];
}

// Every (kind, imm, next_imm) of the LDDWs in a program, from the decoded IR.
std::multiset<std::tuple<isa::LddwKind, int32_t, int32_t>> lddws(const ProgramSpec& p) {
    std::multiset<std::tuple<isa::LddwKind, int32_t, int32_t>> out;
    for (const auto& insn : p.program.insns)
        if (auto* l = std::get_if<isa::LoadImm64>(&insn)) out.insert({l->kind, l->imm, l->next_imm});
    return out;
}

} // namespace

TEST_CASE("BTF-defined maps: __uint, __type, key_size/value_size, flags", "[elf][maps]") {
    const auto d = load("btf_maps");
    REQUIRE(d.maps.size() == 8);

    const auto& flows = map_named(d, "flows");
    CHECK(flows.origin == MapOrigin::BtfMaps);
    CHECK(flows.section == ".maps");
    CHECK(flows.def.type == BPF_MAP_TYPE_HASH);
    CHECK(flows.def.key_size == 12); // struct flow_key
    CHECK(flows.def.value_size == 8);
    CHECK(flows.def.max_entries == 1024);
    CHECK(flows.def.flags == BPF_F_NO_PREALLOC);
    CHECK(flows.def.spin_lock_offset == -1);

    const auto& sized = map_named(d, "sized");
    CHECK(sized.def.type == BPF_MAP_TYPE_PERCPU_ARRAY);
    CHECK(sized.def.key_size == 4);
    CHECK(sized.def.value_size == 16);
    CHECK(sized.def.max_entries == 8);
}

TEST_CASE("BTF maps: key-less types and map_extra", "[elf][maps]") {
    const auto d = load("btf_maps");
    const auto& seen = map_named(d, "seen");
    CHECK(seen.def.type == BPF_MAP_TYPE_BLOOM_FILTER);
    CHECK(seen.def.key_size == 0);
    CHECK(seen.def.value_size == 4);
    CHECK(seen.def.max_entries == 64);
    CHECK(seen.def.map_extra == 3);
    const auto& pending = map_named(d, "pending");
    CHECK(pending.def.type == BPF_MAP_TYPE_QUEUE);
    CHECK(pending.def.key_size == 0);
    CHECK(pending.def.value_size == 8);
}

TEST_CASE("BTF maps: spin lock offset inside the value struct", "[elf][maps]") {
    const auto d = load("btf_maps");
    const auto& locked = map_named(d, "locked");
    CHECK(locked.def.type == BPF_MAP_TYPE_ARRAY);
    CHECK(locked.def.value_size == 24); // u64, bpf_spin_lock (u32, padded), u64
    CHECK(locked.def.spin_lock_offset == 8);
}

TEST_CASE("BTF maps: map-in-map with __array(values) and declarative inner maps", "[elf][maps]") {
    const auto d = load("btf_maps");
    const auto& outer = map_named(d, "outer");
    CHECK(outer.def.type == BPF_MAP_TYPE_ARRAY_OF_MAPS);
    CHECK(outer.def.key_size == 4);
    CHECK(outer.def.value_size == 4);
    CHECK(outer.def.max_entries == 3);
    REQUIRE(outer.def.inner);
    CHECK(outer.def.inner->type == BPF_MAP_TYPE_ARRAY);
    CHECK(outer.def.inner->key_size == 4);
    CHECK(outer.def.inner->value_size == 4);
    CHECK(outer.def.inner->max_entries == 2);
    const std::vector<MapSlot> expected = {{0, *d.find_map("inner0")}, {2, *d.find_map("inner1")}};
    CHECK(outer.initial_maps == expected);
    CHECK(outer.initial_programs.empty());
    CHECK(map_named(d, "inner0").initial_maps.empty());
}

TEST_CASE("BTF maps: the program's LDDWs name the maps by index", "[elf][maps]") {
    const auto d = load("btf_maps");
    REQUIRE(d.programs.size() == 1);
    const auto& p = d.programs[0];
    CHECK(p.name == "count_flows");
    CHECK(p.type == ProgramType::Xdp);
    std::set<int32_t> referenced;
    for (auto [kind, imm, next] : lddws(p)) {
        CHECK(kind == isa::LddwKind::MapFd);
        CHECK(next == 0);
        referenced.insert(imm);
    }
    const std::set<int32_t> expected = {int32_t(*d.find_map("flows")), int32_t(*d.find_map("locked")),
                                        int32_t(*d.find_map("outer")), int32_t(*d.find_map("sized"))};
    CHECK(referenced == expected);
    CHECK(d.license == "GPL");
    CHECK_FALSE(d.kernel_version);
}

TEST_CASE("Legacy maps section, license and version", "[elf][maps]") {
    const auto d = load("legacy_maps");
    REQUIRE(d.maps.size() == 2);
    const auto& counters = map_named(d, "counters");
    CHECK(counters.origin == MapOrigin::LegacyMaps);
    CHECK(counters.section == "maps");
    CHECK(counters.def.type == BPF_MAP_TYPE_ARRAY);
    CHECK(counters.def.key_size == 4);
    CHECK(counters.def.value_size == 8);
    CHECK(counters.def.max_entries == 16);
    CHECK(counters.def.flags == 0);
    const auto& table = map_named(d, "table");
    CHECK(table.def.type == BPF_MAP_TYPE_HASH);
    CHECK(table.def.key_size == 8);
    CHECK(table.def.value_size == 4);
    CHECK(table.def.max_entries == 64);
    CHECK(table.def.flags == 1);

    CHECK(d.license == "Dual BSD/GPL");
    REQUIRE(d.kernel_version);
    CHECK(*d.kernel_version == 0x050a00);

    REQUIRE(d.programs.size() == 1);
    CHECK(d.programs[0].type == ProgramType::SocketFilter);
    std::set<int32_t> referenced;
    for (auto [kind, imm, next] : lddws(d.programs[0])) {
        CHECK(kind == isa::LddwKind::MapFd);
        referenced.insert(imm);
    }
    CHECK(referenced == std::set<int32_t>{int32_t(*d.find_map("counters")), int32_t(*d.find_map("table"))});
}

TEST_CASE("Global data: .data, .bss, .rodata, .rodata.* as single-entry arrays", "[elf][maps]") {
    const auto d = load("global_data");
    const auto& data = map_named(d, ".data");
    const auto& bss = map_named(d, ".bss");
    const auto& rodata = map_named(d, ".rodata");
    const auto& cfg = map_named(d, ".rodata.cfg");
    for (const MapSpec* m : {&data, &bss, &rodata, &cfg}) {
        CHECK(m->origin == MapOrigin::GlobalData);
        CHECK(m->def.type == BPF_MAP_TYPE_ARRAY);
        CHECK(m->def.key_size == 4);
        CHECK(m->def.max_entries == 1);
        CHECK(m->initial_value.size() == m->def.value_size);
    }
    CHECK_FALSE(data.frozen);
    CHECK_FALSE(bss.frozen);
    CHECK(rodata.frozen);
    CHECK(cfg.frozen);

    // struct data_vars { u64 packets = 5; u32 hidden = 9; } at the start of .data.
    REQUIRE(data.def.value_size >= 16);
    uint64_t packets;
    uint32_t hidden;
    std::memcpy(&packets, data.initial_value.data(), 8);
    std::memcpy(&hidden, data.initial_value.data() + 8, 4);
    CHECK(packets == 5);
    CHECK(hidden == 9);
    // struct bss_vars { u64 bytes; u32 drops[4]; } = 24 zero bytes.
    CHECK(bss.def.value_size == 24);
    CHECK(std::ranges::all_of(bss.initial_value, [](uint8_t b) { return b == 0; }));
    // struct ro_vars { u32 limit = 100, threshold = 7; }
    REQUIRE(rodata.def.value_size == 8);
    uint32_t ro[2];
    std::memcpy(ro, rodata.initial_value.data(), 8);
    CHECK(ro[0] == 100);
    CHECK(ro[1] == 7);
    REQUIRE(cfg.def.value_size == 8);
    uint64_t custom;
    std::memcpy(&custom, cfg.initial_value.data(), 8);
    CHECK(custom == 0x1122334455667788ULL);
}

TEST_CASE("Global data: LDDW src 2 carries map index and offset", "[elf][maps]") {
    const auto d = load("global_data");
    REQUIRE(d.programs.size() == 1);
    const auto refs = lddws(d.programs[0]);
    const auto idx = [&](const char* name) { return int32_t(*d.find_map(name)); };
    for (auto [kind, imm, next] : refs) CHECK(kind == isa::LddwKind::MapValue);

    // The static variable is reached through the .data section symbol plus the LDDW imm;
    // find where its initial value 3 sits in .data, independent of clang's layout.
    const auto& data = d.maps[idx(".data")].initial_value;
    std::optional<int32_t> hidden_static;
    for (size_t off = 16; off + 4 <= data.size(); off += 4) {
        uint32_t v;
        std::memcpy(&v, data.data() + off, 4);
        if (v == 3) hidden_static = int32_t(off);
    }
    REQUIRE(hidden_static);
    CHECK(refs.count({isa::LddwKind::MapValue, idx(".data"), *hidden_static}) == 1);
    CHECK(refs.count({isa::LddwKind::MapValue, idx(".data"), 0}) >= 1);
    CHECK(refs.count({isa::LddwKind::MapValue, idx(".bss"), 0}) >= 1);
    CHECK(refs.count({isa::LddwKind::MapValue, idx(".rodata"), 0}) >= 1);
    CHECK(refs.count({isa::LddwKind::MapValue, idx(".rodata.cfg"), 0}) == 1);
    std::set<int32_t> maps_used;
    for (auto [kind, imm, next] : refs) maps_used.insert(imm);
    CHECK(maps_used.size() == 4);
}
