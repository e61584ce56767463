#include "runtime/elf/section_types.hpp"

#include <array>
#include <cctype>
#include <utility>

namespace ebpfjit::runtime::elf {

namespace {

struct SectionPrefix {
    std::string_view prefix;
    ProgramType type;
};

// One table, in libbpf's spelling. A name matches a prefix exactly, or with a
// '/' or '.' suffix (attach target, ".frags"), or - for libbpf's pre-1.0 sloppy names
// such as "socket1" or "xdp_prog" - with a '_' or digit suffix.
constexpr std::array kSectionPrefixes = {
    SectionPrefix{"xdp", ProgramType::Xdp},
    SectionPrefix{"tc", ProgramType::SchedCls},
    SectionPrefix{"classifier", ProgramType::SchedCls},
    SectionPrefix{"socket", ProgramType::SocketFilter},
};

bool matches(std::string_view name, std::string_view prefix) {
    if (!name.starts_with(prefix)) return false;
    if (name.size() == prefix.size()) return true;
    const char next = name[prefix.size()];
    return next == '/' || next == '.' || next == '_' || std::isdigit(static_cast<unsigned char>(next));
}

} // namespace

std::optional<ProgramType> program_type_for_section(std::string_view section) {
    for (const auto& entry : kSectionPrefixes)
        if (matches(section, entry.prefix)) return entry.type;
    return std::nullopt;
}

} // namespace ebpfjit::runtime::elf
