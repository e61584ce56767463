// Reader for bpf_conformance `.data` test files: sections `-- asm`, `-- raw`, `-- mem`,
// `-- result`, `-- error`; `#` comments.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ebpfjit/error.hpp"
#include "isa/instruction.hpp"

namespace ebpfjit::isa {

struct DataFile {
    Program program;                     // from `-- raw` when present, else `-- asm`
    std::vector<uint8_t> memory;         // `-- mem`, empty when absent
    std::optional<uint64_t> result;      // `-- result`
    std::optional<std::string> error;    // `-- error`
};

Result<DataFile> parse_data_file(std::string_view text);

} // namespace ebpfjit::isa
