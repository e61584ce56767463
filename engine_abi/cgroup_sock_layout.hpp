// The ctx structs of the cgroup socket program types, in their uapi layout, with the
// kernel's per-attach-type rules (net/core/filter.c):
//
//   BPF_PROG_TYPE_CGROUP_SOCK_ADDR: struct bpf_sock_addr (72 B), sock_addr_is_valid_access
//     0 user_family | 4 user_ip4 | 8 user_ip6[4] | 24 user_port | 28 family | 32 type
//     36 protocol | 40 msg_src_ip4 | 44 msg_src_ip6[4] | 64 sk (a real 64-bit pointer)
//   - user_ip4: only the *4 hooks (bind4, connect4, getpeername4, getsockname4, sendmsg4,
//     recvmsg4); user_ip6 only their *6 twins; msg_src_ip4 only sendmsg4, msg_src_ip6 only
//     sendmsg6. Those and user_port are read and written: reads 1, 2 or 4 bytes, writes 4,
//     and 8 bytes at an 8-aligned offset inside user_ip6 / msg_src_ip6 either way.
//   - user_family, family, type, protocol: read-only, 4 bytes.
//   - sk: read-only, 8 bytes; a non-NULL PTR_TO_SOCKET (not a reference: never released).
//
//   BPF_PROG_TYPE_CGROUP_SOCK: struct bpf_sock (80 B, engine_abi/sock_layout.hpp),
//     sock_filter_is_valid_access = bpf_sock_is_valid_access's sizes plus
//     __sock_filter_check_attach_type:
//   - bound_dev_if, mark, priority: read and written (4 bytes) by sock_create and
//     sock_release only; the post_bind hooks may not even read them.
//   - src_ip4 read by post_bind4 only, src_ip6 by post_bind6 only, src_port by both.
//   - every other field read-only, for every attach type.
//
// Every access is aligned to its size (off % size == 0). Both structs are the host
// memory itself (bpf_sock_addr.sk is already 64 bits wide): loads need no rewrite.
#pragma once

#include <linux/bpf.h>

#include <array>
#include <optional>
#include <string>

#include "engine_abi/context_layout.hpp"
#include "engine_abi/sock_layout.hpp"

namespace ebpfjit::engine_abi {

inline constexpr ProgramTypeMask kCtxSockAddr = mask_of(ProgramType::CgroupSockAddr);
inline constexpr ProgramTypeMask kCtxCgroupSock = mask_of(ProgramType::CgroupSock);

inline constexpr AttachTypeMask kAttachIp4 =
    attach_mask_of(AttachType::Inet4Bind) | attach_mask_of(AttachType::Inet4Connect) |
    attach_mask_of(AttachType::Inet4Getpeername) | attach_mask_of(AttachType::Inet4Getsockname) |
    attach_mask_of(AttachType::Udp4Sendmsg) | attach_mask_of(AttachType::Udp4Recvmsg);
inline constexpr AttachTypeMask kAttachIp6 =
    attach_mask_of(AttachType::Inet6Bind) | attach_mask_of(AttachType::Inet6Connect) |
    attach_mask_of(AttachType::Inet6Getpeername) | attach_mask_of(AttachType::Inet6Getsockname) |
    attach_mask_of(AttachType::Udp6Sendmsg) | attach_mask_of(AttachType::Udp6Recvmsg);
inline constexpr AttachTypeMask kAttachSockLifetime =
    attach_mask_of(AttachType::InetSockCreate) | attach_mask_of(AttachType::InetSockRelease);
inline constexpr AttachTypeMask kAttachPostBind4 = attach_mask_of(AttachType::Inet4PostBind);
inline constexpr AttachTypeMask kAttachPostBind6 = attach_mask_of(AttachType::Inet6PostBind);

namespace cgroup_sock_detail {
constexpr CtxField sa(std::string_view name, uint16_t off, uint8_t size, bool writable, AttachTypeMask attach,
                      CtxFieldKind kind = CtxFieldKind::Scalar, uint8_t width = 4) {
    return CtxField{name, off, size, kind, kCtxSockAddr, writable ? kCtxSockAddr : 0u, false, width, attach, attach};
}
constexpr CtxField sk(const engine_abi::SockField& f, uint8_t size, AttachTypeMask read, AttachTypeMask write) {
    return CtxField{f.name, f.offset, size, CtxFieldKind::Scalar, kCtxCgroupSock, write ? kCtxCgroupSock : 0u,
                    false, 4, read, write};
}
} // namespace cgroup_sock_detail

inline constexpr std::array<CtxField, 10> kSockAddrCtxFields{{
    cgroup_sock_detail::sa("user_family", offsetof(bpf_sock_addr, user_family), 4, false, kAnyAttach),
    cgroup_sock_detail::sa("user_ip4", offsetof(bpf_sock_addr, user_ip4), 4, true, kAttachIp4),
    cgroup_sock_detail::sa("user_ip6", offsetof(bpf_sock_addr, user_ip6), 16, true, kAttachIp6),
    cgroup_sock_detail::sa("user_port", offsetof(bpf_sock_addr, user_port), 4, true, kAnyAttach),
    cgroup_sock_detail::sa("family", offsetof(bpf_sock_addr, family), 4, false, kAnyAttach),
    cgroup_sock_detail::sa("type", offsetof(bpf_sock_addr, type), 4, false, kAnyAttach),
    cgroup_sock_detail::sa("protocol", offsetof(bpf_sock_addr, protocol), 4, false, kAnyAttach),
    cgroup_sock_detail::sa("msg_src_ip4", offsetof(bpf_sock_addr, msg_src_ip4), 4, true,
                           attach_mask_of(AttachType::Udp4Sendmsg)),
    cgroup_sock_detail::sa("msg_src_ip6", offsetof(bpf_sock_addr, msg_src_ip6), 16, true,
                           attach_mask_of(AttachType::Udp6Sendmsg)),
    cgroup_sock_detail::sa("sk", offsetof(bpf_sock_addr, sk), 8, false, kAnyAttach, CtxFieldKind::Socket, 8),
}};

// engine_abi::kSockFields in the kSockFields order; dst_port covers its 2 padding bytes
// (a 4-byte read at the port is the old u32 layout), which sock_read_ok refuses alone.
inline constexpr std::array<CtxField, 14> kCgroupSockCtxFields = [] {
    using namespace cgroup_sock_detail;
    const auto& f = engine_abi::kSockFields;
    return std::array<CtxField, 14>{{
        sk(f[0], 4, kAttachSockLifetime, kAttachSockLifetime), // bound_dev_if
        sk(f[1], 4, kAnyAttach, 0),                            // family
        sk(f[2], 4, kAnyAttach, 0),                            // type
        sk(f[3], 4, kAnyAttach, 0),                            // protocol
        sk(f[4], 4, kAttachSockLifetime, kAttachSockLifetime), // mark
        sk(f[5], 4, kAttachSockLifetime, kAttachSockLifetime), // priority
        sk(f[6], 4, kAttachPostBind4, 0),                      // src_ip4
        sk(f[7], 16, kAttachPostBind6, 0),                     // src_ip6
        sk(f[8], 4, kAttachPostBind4 | kAttachPostBind6, 0),   // src_port
        sk(f[9], 4, kAnyAttach, 0),                            // dst_port (+ padding)
        sk(f[10], 4, kAnyAttach, 0),                           // dst_ip4
        sk(f[11], 16, kAnyAttach, 0),                          // dst_ip6
        sk(f[12], 4, kAnyAttach, 0),                           // state
        sk(f[13], 4, kAnyAttach, 0),                           // rx_queue_mapping
    }};
}();

// The values a program of this type may return (the kernel's check_return_code), or
// nullopt for the types without a range. CGROUP_SOCK_ADDR: [1, 1] for recvmsg,
// getpeername and getsockname (they may not refuse), [0, 3] for bind (bit 1: skip the
// port's CAP_NET_BIND_SERVICE check), else [0, 1]; CGROUP_SOCK: [0, 1].
struct ReturnRange {
    int64_t min;
    int64_t max;
};
std::optional<ReturnRange> return_range(ProgramType type, AttachType attach);

// Why `size` bytes at `off` in `field` (which the attach type may access) break the
// struct's size rules, or "" when they do not. `write`: a store.
std::string sock_addr_size_error(const CtxField& field, int64_t off, uint32_t size, bool write);
std::string cgroup_sock_size_error(const CtxField& field, int64_t off, uint32_t size, bool write);

} // namespace ebpfjit::engine_abi
