#include "ebpfjit/error.hpp"

#include <fmt/format.h>

namespace ebpfjit {

std::string Error::to_string() const {
    std::string out;
    if (!file.empty()) out += file + ": ";
    if (offset) out += fmt::format("offset {:#x}: ", *offset);
    if (line) out += fmt::format("line {}: ", *line);
    if (insn) out += fmt::format("insn {}: ", *insn);
    out += message;
    return out;
}

} // namespace ebpfjit
