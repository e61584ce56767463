// The bpf_conformance assembly syntax (see ../shared/conformance/SOURCE.md), with labels.
#pragma once

#include <string_view>
#include <vector>

#include "ebpfjit/error.hpp"
#include "isa/instruction.hpp"

namespace ebpfjit::isa {

// Assembles text into a decoded Program (run through the decoder's checks).
// Errors carry the 1-based source line.
Result<Program> assemble(std::string_view source);

// Assembles text into raw instruction words without the decoder's structural checks
// (only syntax, ranges and labels). Errors carry the 1-based source line.
Result<std::vector<RawInsn>> assemble_raw(std::string_view source);

} // namespace ebpfjit::isa
