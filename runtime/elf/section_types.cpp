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

// libbpf's cgroup socket sections: exact names (SEC_ATTACHABLE, no suffix), each with
// its expected_attach_type. "cgroup/sock" is the old spelling of sock_create.
struct CgroupSection {
    std::string_view name;
    AttachType attach;
};
constexpr std::array kCgroupSections = {
    CgroupSection{"cgroup/sock", AttachType::InetSockCreate},
    CgroupSection{"cgroup/sock_create", AttachType::InetSockCreate},
    CgroupSection{"cgroup/sock_release", AttachType::InetSockRelease},
    CgroupSection{"cgroup/post_bind4", AttachType::Inet4PostBind},
    CgroupSection{"cgroup/post_bind6", AttachType::Inet6PostBind},
    CgroupSection{"cgroup/bind4", AttachType::Inet4Bind},
    CgroupSection{"cgroup/bind6", AttachType::Inet6Bind},
    CgroupSection{"cgroup/connect4", AttachType::Inet4Connect},
    CgroupSection{"cgroup/connect6", AttachType::Inet6Connect},
    CgroupSection{"cgroup/sendmsg4", AttachType::Udp4Sendmsg},
    CgroupSection{"cgroup/sendmsg6", AttachType::Udp6Sendmsg},
    CgroupSection{"cgroup/recvmsg4", AttachType::Udp4Recvmsg},
    CgroupSection{"cgroup/recvmsg6", AttachType::Udp6Recvmsg},
    CgroupSection{"cgroup/getpeername4", AttachType::Inet4Getpeername},
    CgroupSection{"cgroup/getpeername6", AttachType::Inet6Getpeername},
    CgroupSection{"cgroup/getsockname4", AttachType::Inet4Getsockname},
    CgroupSection{"cgroup/getsockname6", AttachType::Inet6Getsockname},
};

bool matches(std::string_view name, std::string_view prefix) {
    if (!name.starts_with(prefix)) return false;
    if (name.size() == prefix.size()) return true;
    const char next = name[prefix.size()];
    return next == '/' || next == '.' || next == '_' || std::isdigit(static_cast<unsigned char>(next));
}

} // namespace

std::optional<ProgramType> program_type_for_section(std::string_view section) {
    if (AttachType a = attach_type_for_section(section); a != AttachType::None) return program_type_of(a);
    for (const auto& entry : kSectionPrefixes)
        if (matches(section, entry.prefix)) return entry.type;
    return std::nullopt;
}

AttachType attach_type_for_section(std::string_view section) {
    for (const auto& entry : kCgroupSections)
        if (section == entry.name) return entry.attach;
    return AttachType::None;
}

} // namespace ebpfjit::runtime::elf
