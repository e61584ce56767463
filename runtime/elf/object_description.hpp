// What a clang-built BPF object contains, as plain data: map specifications and linked,
// relocated programs. Nothing here is created or run; runtime/object.* turns a
// description into live maps and programs.
//
// LDDW references inside `ProgramSpec::program` use the kernel's pseudo sources with
// `imm` = index into `ObjectDescription::maps`:
//   src 1 (MapFd)    r = &maps[imm]
//   src 2 (MapValue) r = &maps[imm].value[0] + next_imm      (global data)
//   src 4 (CodeAddr) r = address of slot (this + 1 + imm)     (callbacks)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ebpfjit/program_type.hpp"
#include "isa/instruction.hpp"
#include "runtime/maps/map.hpp"
#include "verifier/global_function.hpp"

namespace ebpfjit::runtime::elf {

enum class MapOrigin : uint8_t {
    BtfMaps,    // a variable in the BTF-described `.maps` section
    LegacyMaps, // a struct bpf_map_def in the `maps` section
    GlobalData, // .data / .rodata / .bss / .rodata.*: one ARRAY entry holding the section
};

// prog array slot filled at load time: `.values = { [index] = &program }`.
struct ProgramSlot {
    uint32_t index = 0;
    std::string program; // symbol name of an entry program of this object
    friend bool operator==(const ProgramSlot&, const ProgramSlot&) = default;
};

// map-in-map slot filled at load time: `.values = { [index] = &inner_map }`.
struct MapSlot {
    uint32_t index = 0;
    uint32_t map = 0; // index into ObjectDescription::maps
    friend bool operator==(const MapSlot&, const MapSlot&) = default;
};

// Where a map is shared when the embedder gives a pin registry (OpenOptions::pins).
enum class MapPinning : uint8_t {
    None,     // private to the object
    ByName,   // libbpf LIBBPF_PIN_BY_NAME (BTF `pinning` 1), iproute2 PIN_GLOBAL_NS (2)
    ObjectNs, // iproute2 PIN_OBJECT_NS (1): shared by objects with the same bytes
    // Cilium's CILIUM_PIN_REPLACE (1 << 4, legacy `maps`; its tail-call array): never reuse
    // a pinned map; every load creates a fresh one, which then takes the name's pin.
    Replace,
};

struct MapSpec {
    // def.name is the variable (or data section) name; def.spin_lock_offset and
    // def.map_extra come from BTF.
    maps::MapDefinition def;
    MapOrigin origin = MapOrigin::BtfMaps;
    std::string section;
    uint64_t offset = 0; // of the definition in `section` (0 for global data), for errors

    // GlobalData: the initial value of the single entry (zeros for .bss), value_size bytes.
    std::vector<uint8_t> initial_value;
    // .rodata*: programs may not write it and the loader freezes it after initialisation.
    bool frozen = false;

    MapPinning pinning = MapPinning::None;
    // iproute2 `struct bpf_elf_map` fields (LegacyMaps only; 0 when absent): `id` names the
    // map for numbered tail-call sections ("id/key") and for inner_id of map-in-map.
    uint32_t legacy_id = 0;

    std::vector<ProgramSlot> initial_programs; // PROG_ARRAY
    std::vector<MapSlot> initial_maps;         // ARRAY_OF_MAPS / HASH_OF_MAPS
};

// One source line from .BTF.ext line_info, attached to the first slot it covers.
struct LineInfo {
    uint32_t slot = 0;
    std::string file; // base name of the source file
    uint32_t line = 0;
    uint32_t column = 0;
    std::string source; // the source text of that line, as clang recorded it

    std::string to_string() const; // "file.c:12: source text"
};

struct ProgramSpec {
    std::string name;    // symbol name
    std::string section; // ELF section it came from
    ProgramType type = ProgramType::Mem;
    // The kernel's expected_attach_type (cgroup socket programs; None for the others).
    AttachType attach = AttachType::None;
    // Entry function first, then every reachable subprogram; relocations applied.
    std::vector<isa::RawInsn> raw;
    isa::Program program; // decode(raw)
    std::vector<LineInfo> line_info; // sorted by slot; empty without -g
    // Slots poisoned by a CO-RE relocation without a match in the core BTF (`call
    // 0xbad2310`), with the relocation ("byte_off of 'T' (access 0:9) 'field'").
    std::vector<std::pair<uint32_t, std::string>> poisoned_relocations;
    // Subprograms of global linkage (BTF func_info), by slot, with their prototypes; empty
    // without BTF.
    std::vector<verifier::GlobalFunction> global_functions;

    // Source line for `slot` (the nearest record at or before it), or nullptr.
    const LineInfo* line_for(uint32_t slot) const;
};

struct ObjectDescription {
    std::vector<MapSpec> maps;
    std::vector<ProgramSpec> programs;
    std::string license;                   // "license" section, empty when absent
    std::optional<uint32_t> kernel_version; // "version" section
    uint64_t content_hash = 0; // FNV-1a of the ELF bytes: iproute2's PIN_OBJECT_NS namespace

    // By symbol name; failing that, by section name when that section holds exactly one
    // program (how iproute2 and libbpf 0.x users name programs: `classifier`, `2/1`).
    const ProgramSpec* find_program(std::string_view name) const;
    std::optional<uint32_t> find_map(std::string_view name) const;
};

} // namespace ebpfjit::runtime::elf
