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

// libbpf's exact SCHED_CLS names beyond "tc"/"classifier" (libbpf 1.3+: tcx and netkit
// links); the program is a tc program like any other.
constexpr std::array<std::string_view, 4> kSchedClsSections = {"tcx/ingress", "tcx/egress", "netkit/primary",
                                                                "netkit/peer"};

// libbpf's section_defs[] for the program types ebpfjit does not run. `prefix` matches the
// name exactly or followed by '/' (libbpf's "kprobe+": the attach target follows).
struct UnsupportedSection {
    std::string_view prefix;
    std::string_view kernel_type;
};
constexpr std::array kUnsupportedSections = {
    UnsupportedSection{"sk_reuseport", "BPF_PROG_TYPE_SK_REUSEPORT"},
    UnsupportedSection{"kprobe", "BPF_PROG_TYPE_KPROBE"},
    UnsupportedSection{"kretprobe", "BPF_PROG_TYPE_KPROBE"},
    UnsupportedSection{"kprobe.multi", "BPF_PROG_TYPE_KPROBE"},
    UnsupportedSection{"kretprobe.multi", "BPF_PROG_TYPE_KPROBE"},
    UnsupportedSection{"kprobe.session", "BPF_PROG_TYPE_KPROBE"},
    UnsupportedSection{"uprobe", "BPF_PROG_TYPE_KPROBE"},
    UnsupportedSection{"uretprobe", "BPF_PROG_TYPE_KPROBE"},
    UnsupportedSection{"uprobe.s", "BPF_PROG_TYPE_KPROBE"},
    UnsupportedSection{"uretprobe.s", "BPF_PROG_TYPE_KPROBE"},
    UnsupportedSection{"uprobe.multi", "BPF_PROG_TYPE_KPROBE"},
    UnsupportedSection{"uretprobe.multi", "BPF_PROG_TYPE_KPROBE"},
    UnsupportedSection{"ksyscall", "BPF_PROG_TYPE_KPROBE"},
    UnsupportedSection{"kretsyscall", "BPF_PROG_TYPE_KPROBE"},
    UnsupportedSection{"usdt", "BPF_PROG_TYPE_KPROBE"},
    UnsupportedSection{"action", "BPF_PROG_TYPE_SCHED_ACT"},
    UnsupportedSection{"tracepoint", "BPF_PROG_TYPE_TRACEPOINT"},
    UnsupportedSection{"tp", "BPF_PROG_TYPE_TRACEPOINT"},
    UnsupportedSection{"raw_tracepoint", "BPF_PROG_TYPE_RAW_TRACEPOINT"},
    UnsupportedSection{"raw_tp", "BPF_PROG_TYPE_RAW_TRACEPOINT"},
    UnsupportedSection{"raw_tracepoint.w", "BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE"},
    UnsupportedSection{"raw_tp.w", "BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE"},
    UnsupportedSection{"tp_btf", "BPF_PROG_TYPE_TRACING"},
    UnsupportedSection{"fentry", "BPF_PROG_TYPE_TRACING"},
    UnsupportedSection{"fexit", "BPF_PROG_TYPE_TRACING"},
    UnsupportedSection{"fmod_ret", "BPF_PROG_TYPE_TRACING"},
    UnsupportedSection{"fentry.s", "BPF_PROG_TYPE_TRACING"},
    UnsupportedSection{"fexit.s", "BPF_PROG_TYPE_TRACING"},
    UnsupportedSection{"fmod_ret.s", "BPF_PROG_TYPE_TRACING"},
    UnsupportedSection{"iter", "BPF_PROG_TYPE_TRACING"},
    UnsupportedSection{"iter.s", "BPF_PROG_TYPE_TRACING"},
    UnsupportedSection{"freplace", "BPF_PROG_TYPE_EXT"},
    UnsupportedSection{"lsm", "BPF_PROG_TYPE_LSM"},
    UnsupportedSection{"lsm.s", "BPF_PROG_TYPE_LSM"},
    UnsupportedSection{"lsm_cgroup", "BPF_PROG_TYPE_LSM"},
    UnsupportedSection{"syscall", "BPF_PROG_TYPE_SYSCALL"},
    UnsupportedSection{"perf_event", "BPF_PROG_TYPE_PERF_EVENT"},
    UnsupportedSection{"lwt_in", "BPF_PROG_TYPE_LWT_IN"},
    UnsupportedSection{"lwt_out", "BPF_PROG_TYPE_LWT_OUT"},
    UnsupportedSection{"lwt_xmit", "BPF_PROG_TYPE_LWT_XMIT"},
    UnsupportedSection{"lwt_seg6local", "BPF_PROG_TYPE_LWT_SEG6LOCAL"},
    UnsupportedSection{"sockops", "BPF_PROG_TYPE_SOCK_OPS"},
    UnsupportedSection{"sk_skb", "BPF_PROG_TYPE_SK_SKB"},
    UnsupportedSection{"sk_msg", "BPF_PROG_TYPE_SK_MSG"},
    UnsupportedSection{"lirc_mode2", "BPF_PROG_TYPE_LIRC_MODE2"},
    UnsupportedSection{"flow_dissector", "BPF_PROG_TYPE_FLOW_DISSECTOR"},
    UnsupportedSection{"cgroup_skb", "BPF_PROG_TYPE_CGROUP_SKB"},
    UnsupportedSection{"cgroup/skb", "BPF_PROG_TYPE_CGROUP_SKB"},
    UnsupportedSection{"cgroup/dev", "BPF_PROG_TYPE_CGROUP_DEVICE"},
    UnsupportedSection{"cgroup/sysctl", "BPF_PROG_TYPE_CGROUP_SYSCTL"},
    UnsupportedSection{"cgroup/getsockopt", "BPF_PROG_TYPE_CGROUP_SOCKOPT"},
    UnsupportedSection{"cgroup/setsockopt", "BPF_PROG_TYPE_CGROUP_SOCKOPT"},
    UnsupportedSection{"struct_ops", "BPF_PROG_TYPE_STRUCT_OPS"},
    UnsupportedSection{"struct_ops.s", "BPF_PROG_TYPE_STRUCT_OPS"},
    UnsupportedSection{"sk_lookup", "BPF_PROG_TYPE_SK_LOOKUP"},
    UnsupportedSection{"netfilter", "BPF_PROG_TYPE_NETFILTER"},
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
    for (std::string_view name : kSchedClsSections)
        if (section == name) return ProgramType::SchedCls;
    return std::nullopt;
}

std::optional<std::string_view> unsupported_program_type_for_section(std::string_view section) {
    for (const auto& entry : kUnsupportedSections)
        if (section == entry.prefix || (section.starts_with(entry.prefix) && section.size() > entry.prefix.size() &&
                                        section[entry.prefix.size()] == '/'))
            return entry.kernel_type;
    return std::nullopt;
}

AttachType attach_type_for_section(std::string_view section) {
    for (const auto& entry : kCgroupSections)
        if (section == entry.name) return entry.attach;
    return AttachType::None;
}

} // namespace ebpfjit::runtime::elf
