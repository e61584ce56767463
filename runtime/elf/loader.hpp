// Reads a clang `-O2 -g -target bpf` object into an ObjectDescription: maps, linked and
// relocated programs, license and version. Pure: no map is created, nothing runs.
#pragma once

#include <cstdint>
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
    std::optional<ProgramType> type_override;
};

// Every error is one line naming the section and byte offset (or the ELF header field).
Result<ObjectDescription> read_object(std::span<const uint8_t> bytes, const ReadOptions& options = {});
// As above; errors are prefixed with the path.
Result<ObjectDescription> read_object_file(const std::string& path, const ReadOptions& options = {});

} // namespace ebpfjit::runtime::elf
