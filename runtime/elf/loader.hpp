// Reads a clang `-O2 -g -target bpf` object into an ObjectDescription: maps, linked and
// relocated programs, license and version. Pure: no map is created, nothing runs.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "ebpfjit/error.hpp"
#include "ebpfjit/program_type.hpp"
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
};

// Every error is one line naming the section and byte offset (or the ELF header field).
Result<ObjectDescription> read_object(std::span<const uint8_t> bytes, const ReadOptions& options = {});
// As above; errors are prefixed with the path.
Result<ObjectDescription> read_object_file(const std::string& path, const ReadOptions& options = {});

} // namespace ebpfjit::runtime::elf
