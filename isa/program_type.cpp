#include "ebpfjit/program_type.hpp"

#include <array>
#include <utility>

namespace ebpfjit {

std::string_view to_string(ProgramType t) {
    switch (t) {
    case ProgramType::Mem: return "mem";
    case ProgramType::Xdp: return "xdp";
    case ProgramType::SchedCls: return "tc";
    case ProgramType::SocketFilter: return "socket";
    case ProgramType::CgroupSockAddr: return "cgroup_sock_addr";
    case ProgramType::CgroupSock: return "cgroup_sock";
    }
    return "?";
}

std::optional<ProgramType> program_type_from_name(std::string_view name) {
    if (name == "mem") return ProgramType::Mem;
    if (name == "xdp") return ProgramType::Xdp;
    if (name == "tc" || name == "classifier" || name == "sched_cls") return ProgramType::SchedCls;
    if (name == "socket" || name == "socket_filter") return ProgramType::SocketFilter;
    if (name == "cgroup_sock_addr" || name == "sock_addr") return ProgramType::CgroupSockAddr;
    if (name == "cgroup_sock") return ProgramType::CgroupSock;
    return std::nullopt;
}

namespace {

struct AttachName {
    AttachType type;
    std::string_view libbpf; // libbpf's section suffix after "cgroup/"
    std::string_view kernel; // enum bpf_attach_type without BPF_CGROUP_, lower case
};

constexpr std::array kAttachNames = {
    AttachName{AttachType::InetSockCreate, "sock_create", "inet_sock_create"},
    AttachName{AttachType::InetSockRelease, "sock_release", "inet_sock_release"},
    AttachName{AttachType::Inet4PostBind, "post_bind4", "inet4_post_bind"},
    AttachName{AttachType::Inet6PostBind, "post_bind6", "inet6_post_bind"},
    AttachName{AttachType::Inet4Bind, "bind4", "inet4_bind"},
    AttachName{AttachType::Inet6Bind, "bind6", "inet6_bind"},
    AttachName{AttachType::Inet4Connect, "connect4", "inet4_connect"},
    AttachName{AttachType::Inet6Connect, "connect6", "inet6_connect"},
    AttachName{AttachType::Udp4Sendmsg, "sendmsg4", "udp4_sendmsg"},
    AttachName{AttachType::Udp6Sendmsg, "sendmsg6", "udp6_sendmsg"},
    AttachName{AttachType::Udp4Recvmsg, "recvmsg4", "udp4_recvmsg"},
    AttachName{AttachType::Udp6Recvmsg, "recvmsg6", "udp6_recvmsg"},
    AttachName{AttachType::Inet4Getpeername, "getpeername4", "inet4_getpeername"},
    AttachName{AttachType::Inet6Getpeername, "getpeername6", "inet6_getpeername"},
    AttachName{AttachType::Inet4Getsockname, "getsockname4", "inet4_getsockname"},
    AttachName{AttachType::Inet6Getsockname, "getsockname6", "inet6_getsockname"},
};

} // namespace

std::optional<ProgramType> program_type_of(AttachType t) {
    switch (t) {
    case AttachType::None: return std::nullopt;
    case AttachType::InetSockCreate:
    case AttachType::InetSockRelease:
    case AttachType::Inet4PostBind:
    case AttachType::Inet6PostBind: return ProgramType::CgroupSock;
    default: return ProgramType::CgroupSockAddr;
    }
}

std::string_view to_string(AttachType t) {
    for (const AttachName& n : kAttachNames)
        if (n.type == t) return n.libbpf;
    return "";
}

std::optional<AttachType> attach_type_from_name(std::string_view name) {
    for (const AttachName& n : kAttachNames)
        if (n.libbpf == name || n.kernel == name) return n.type;
    return std::nullopt;
}

AttachType default_attach_type(ProgramType t) {
    return t == ProgramType::CgroupSock ? AttachType::InetSockCreate : AttachType::None;
}

} // namespace ebpfjit
