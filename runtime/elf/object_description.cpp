#include "runtime/elf/object_description.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace ebpfjit::runtime::elf {

std::string LineInfo::to_string() const {
    // clang records the line with its indentation; the location already says where it is.
    std::string_view text = source;
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    return fmt::format("{}:{}: {}", file, line, text);
}

const LineInfo* ProgramSpec::line_for(uint32_t slot) const {
    auto it = std::ranges::upper_bound(line_info, slot, {}, &LineInfo::slot);
    if (it == line_info.begin()) return nullptr;
    return &*std::prev(it);
}

const ProgramSpec* ObjectDescription::find_program(std::string_view name) const {
    for (const auto& p : programs)
        if (p.name == name) return &p;
    // iproute2 and old libbpf users name a program by its section ("classifier", "2/1").
    const ProgramSpec* only = nullptr;
    for (const auto& p : programs) {
        if (p.section != name) continue;
        if (only) return nullptr; // ambiguous: the section holds several programs
        only = &p;
    }
    return only;
}

std::optional<uint32_t> ObjectDescription::find_map(std::string_view name) const {
    for (size_t i = 0; i < maps.size(); ++i)
        if (maps[i].def.name == name) return uint32_t(i);
    return std::nullopt;
}

} // namespace ebpfjit::runtime::elf
