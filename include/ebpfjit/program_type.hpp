// Program types ebpfjit runs, and the bitmask helper allowlists are written in.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ebpfjit {

enum class ProgramType : uint8_t {
    Mem,          // r1 = pointer to raw memory, r2 = its length (compute programs, conformance)
    Xdp,          // r1 = struct xdp_md *
    SchedCls,     // tc / classifier: r1 = struct __sk_buff *
    SocketFilter, // r1 = struct __sk_buff *, LD_ABS/LD_IND allowed
    // BPF_PROG_TYPE_CGROUP_SOCK_ADDR: r1 = struct bpf_sock_addr * (connect, sendmsg, recvmsg,
    // bind, getpeername, getsockname; AttachType says which). docs/cgroup-sock.md
    CgroupSockAddr,
    // BPF_PROG_TYPE_CGROUP_SOCK: r1 = struct bpf_sock * (sock_create, sock_release, post_bind)
    CgroupSock,
};

using ProgramTypeMask = uint32_t;
constexpr ProgramTypeMask mask_of(ProgramType t) { return 1u << static_cast<unsigned>(t); }
inline constexpr ProgramTypeMask kAllProgramTypes = 0x3f;

// The kernel's expected_attach_type (enum bpf_attach_type), for the program types whose
// ctx rules, return range and helpers depend on it. None for the others.
enum class AttachType : uint8_t {
    None,
    InetSockCreate,   // BPF_CGROUP_INET_SOCK_CREATE    cgroup/sock_create, cgroup/sock
    InetSockRelease,  // BPF_CGROUP_INET_SOCK_RELEASE   cgroup/sock_release
    Inet4PostBind,    // BPF_CGROUP_INET4_POST_BIND     cgroup/post_bind4
    Inet6PostBind,    // BPF_CGROUP_INET6_POST_BIND     cgroup/post_bind6
    Inet4Bind,        // BPF_CGROUP_INET4_BIND          cgroup/bind4
    Inet6Bind,        // BPF_CGROUP_INET6_BIND          cgroup/bind6
    Inet4Connect,     // BPF_CGROUP_INET4_CONNECT       cgroup/connect4
    Inet6Connect,     // BPF_CGROUP_INET6_CONNECT       cgroup/connect6
    Udp4Sendmsg,      // BPF_CGROUP_UDP4_SENDMSG        cgroup/sendmsg4
    Udp6Sendmsg,      // BPF_CGROUP_UDP6_SENDMSG        cgroup/sendmsg6
    Udp4Recvmsg,      // BPF_CGROUP_UDP4_RECVMSG        cgroup/recvmsg4
    Udp6Recvmsg,      // BPF_CGROUP_UDP6_RECVMSG        cgroup/recvmsg6
    Inet4Getpeername, // BPF_CGROUP_INET4_GETPEERNAME   cgroup/getpeername4
    Inet6Getpeername, // BPF_CGROUP_INET6_GETPEERNAME   cgroup/getpeername6
    Inet4Getsockname, // BPF_CGROUP_INET4_GETSOCKNAME   cgroup/getsockname4
    Inet6Getsockname, // BPF_CGROUP_INET6_GETSOCKNAME   cgroup/getsockname6
};

using AttachTypeMask = uint32_t;
constexpr AttachTypeMask attach_mask_of(AttachType t) { return 1u << static_cast<unsigned>(t); }
inline constexpr AttachTypeMask kAnyAttach = ~AttachTypeMask{0};

// The program type an attach type belongs to (None: none).
std::optional<ProgramType> program_type_of(AttachType t);
// libbpf's section suffix ("connect4", "post_bind6", "sock_create"); "" for None.
std::string_view to_string(AttachType t);
// The inverse, plus the kernel's names without the "cgroup/" prefix ("connect4",
// "inet4_connect"); nullopt for an unknown name.
std::optional<AttachType> attach_type_from_name(std::string_view name);
// The program type's default attach type when none is given (the kernel's
// bpf_prog_load_fixup_attach_type: CGROUP_SOCK defaults to sock_create; a sock_addr
// program has no default); None for the types without one.
AttachType default_attach_type(ProgramType t);

std::string_view to_string(ProgramType t);
std::optional<ProgramType> program_type_from_name(std::string_view name); // "mem", "xdp", "tc", ...

} // namespace ebpfjit
