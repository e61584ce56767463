// Reads a clang `-O2 -g -target bpf` object into an ObjectDescription: maps, linked and
// relocated programs, license and version. Pure: no map is created, nothing runs.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ebpfjit/error.hpp"
#include "ebpfjit/program_type.hpp"
#include "runtime/elf/map_table.hpp"
#include "runtime/elf/object_description.hpp"

namespace ebpfjit::runtime::elf {

struct ReadOptions {
    // Program type for every program, instead of the one its section name implies.
    // Needed for sections libbpf would not recognise.
    // Needed for sections libbpf would not recognise, and for iproute2's numbered
    // tail-call sections ("2/1"), whose type the loader is told.
    std::optional<ProgramType> type_override;
    // The number of possible CPUs, asked only when a perf event array declares
    // max_entries 0 (libbpf then sizes it to libbpf_num_possible_cpus()). Null:
    // maps::possible_cpus(), ebpfjit's per-CPU slot count, so every BPF_F_CURRENT_CPU
    // index fits. A failure is a load error naming the map.
    std::function<Result<uint32_t>()> possible_cpus = nullptr;
    // Map name -> max_entries, as libbpf's bpf_map__set_max_entries between open and load:
    // overrides the declared size (0 included) of a BTF or legacy map. A name that is no
    // such map of the object is a load error.
    MapSizes map_max_entries = {};
    // Data sections (Cilium: ".rodata.config") whose variables are inlined: every LDDW that
    // addresses one becomes an immediate LDDW of the variable's value, as Cilium's loader
    // does for CONFIG() (runtime/elf/inline_globals.hpp). Sections the object lacks are
    // skipped.
    std::vector<std::string> inline_globals = {};
    // libbpf's autoload: only these programs (by symbol, or by a section holding one
    // program) are built; the others' section types, kfuncs and relocations are never
    // looked at, so one program ebpfjit cannot take (a tp_btf/ stats probe beside XDP
    // programs) does not refuse the rest. Prog-array slots naming a program left out stay
    // empty. Empty: every program. A name that is no program of the object is an error.
    std::vector<std::string> only_programs = {};
    // libbpf's btf_custom_path: a file whose BTF (an ELF object's .BTF, or a raw BTF file
    // such as /sys/kernel/btf/vmlinux) answers the CO-RE relocations ebpfjit's own uapi
    // does not (runtime/elf/core_btf_target.hpp). Empty: none; those relocations are
    // refused. A file libbpf cannot parse is a one-line error naming it.
    std::string core_btf = {};
};

// Every error is one line naming the section and byte offset (or the ELF header field).
Result<ObjectDescription> read_object(std::span<const uint8_t> bytes, const ReadOptions& options = {});
// As above; errors are prefixed with the path.
Result<ObjectDescription> read_object_file(const std::string& path, const ReadOptions& options = {});

} // namespace ebpfjit::runtime::elf
