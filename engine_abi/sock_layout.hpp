// struct bpf_sock as a program reads it through a socket from bpf_sk_lookup_tcp /
// bpf_sk_lookup_udp (the kernel's PTR_TO_SOCKET) or bpf_skc_lookup_tcp (PTR_TO_SOCK_COMMON):
// its uapi fields (offsets from <linux/bpf.h>) and the kernel's rules for reading them,
// net/core/filter.c bpf_sock_is_valid_access and bpf_sock_common_is_valid_access.
//
//   struct bpf_sock (80 B):  0 bound_dev_if | 4 family | 8 type | 12 protocol | 16 mark
//                            20 priority | 24 src_ip4 | 28 src_ip6[4] | 44 src_port
//                            48 dst_port (__be16) | 50 padding | 52 dst_ip4 | 56 dst_ip6[4]
//                            72 state | 76 rx_queue_mapping
//
// Read-only, never 8 bytes. Every field reads whole (4 bytes); state, family, type,
// protocol, src_port and rx_queue_mapping also 1 or 2 bytes at their first byte; the
// addresses 1, 2 or 4 bytes at any aligned offset within them; dst_port 2 bytes, either
// byte, or 4 bytes (the old u32 layout: the port then its zero padding). A sock_common
// (it may be a time-wait or request socket) has no type, protocol, mark or priority.
// At run time a socket pointer points at memory in exactly this layout (the embedder's
// SocketTable fills it, include/ebpfjit/socket_table.hpp), so loads need no rewrite.
#pragma once

#include <linux/bpf.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ebpfjit::engine_abi {

inline constexpr uint32_t kBpfSockSize = sizeof(struct bpf_sock);

enum class SockNarrow : uint8_t {
    None,     // 4 bytes only
    AtStart,  // 1, 2 or 4 bytes at the field's first byte
    Anywhere, // 1, 2 or 4 bytes at any offset in the field (aligned to the size)
    DstPort,  // __be16 with 2 padding bytes: 1 or 2 bytes within the port, or 4 at its start
};

struct SockField {
    std::string_view name;
    uint16_t offset; // in struct bpf_sock
    uint8_t size;    // bytes (arrays: all of it)
    SockNarrow narrow;
    bool sock_common; // readable through a sock_common too
};

inline constexpr std::array<SockField, 14> kSockFields{{
    {"bound_dev_if", offsetof(bpf_sock, bound_dev_if), 4, SockNarrow::None, true},
    {"family", offsetof(bpf_sock, family), 4, SockNarrow::AtStart, true},
    {"type", offsetof(bpf_sock, type), 4, SockNarrow::AtStart, false},
    {"protocol", offsetof(bpf_sock, protocol), 4, SockNarrow::AtStart, false},
    {"mark", offsetof(bpf_sock, mark), 4, SockNarrow::None, false},
    {"priority", offsetof(bpf_sock, priority), 4, SockNarrow::None, false},
    {"src_ip4", offsetof(bpf_sock, src_ip4), 4, SockNarrow::Anywhere, true},
    {"src_ip6", offsetof(bpf_sock, src_ip6), 16, SockNarrow::Anywhere, true},
    {"src_port", offsetof(bpf_sock, src_port), 4, SockNarrow::AtStart, true},
    {"dst_port", offsetof(bpf_sock, dst_port), 2, SockNarrow::DstPort, true},
    {"dst_ip4", offsetof(bpf_sock, dst_ip4), 4, SockNarrow::Anywhere, true},
    {"dst_ip6", offsetof(bpf_sock, dst_ip6), 16, SockNarrow::Anywhere, true},
    {"state", offsetof(bpf_sock, state), 4, SockNarrow::AtStart, true},
    {"rx_queue_mapping", offsetof(bpf_sock, rx_queue_mapping), 4, SockNarrow::AtStart, true},
}};

// The field whose bytes include `off` (nullptr: before 0, past the end, or dst_port's
// padding).
const SockField* sock_field_at(int64_t off);

// Whether a program may read `size` bytes at `off` through a socket pointer (`common`: a
// sock_common), as the kernel's bpf_sock(_common)_is_valid_access decide it.
bool sock_read_ok(int64_t off, uint32_t size, bool common);

} // namespace ebpfjit::engine_abi
