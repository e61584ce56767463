// How a program's context (r1 at entry) is laid out in memory here, versus the uapi
// struct the program was compiled against. The fields themselves (names, uapi offsets,
// kinds, who may read / write them) come from the one table in engine_abi/context_layout.hpp;
// this header adds only where each value lives in the host struct.
//
// The problem: the uapi `struct xdp_md` and `struct __sk_buff` declare data, data_end
// and data_meta as __u32, and the kernel rewrites each such load into a 64-bit load of
// the real pointer (convert_ctx_access). A userspace buffer has a 64-bit address, so we
// do the same rewrite (runtime/context/rewrite_ctx_access.hpp) against a *host* struct:
//
//   host ctx =  +--------------------------------+ 0
//               | the uapi struct, byte for byte |   scalar fields (len, mark, cb[],
//               | (xdp_md: 24 B, __sk_buff: 192) |   ifindex, tstamp ...) are read and
//               +--------------------------------+   written here unchanged, narrow loads too
//               | u64 data      (real pointer)   | kHostPointers + 0
//               | u64 data_end  (real pointer)   | kHostPointers + 8
//               | u64 data_meta (real pointer)   | kHostPointers + 16
//               | void* owner (XdpFrame/SkbPacket)| kHostPointers + 24  (helpers only)
//               +--------------------------------+
//
// so the rewrite only turns `ldxw rX, [ctx + offsetof(data)]` into
// `ldxdw rX, [ctx + kHostPointers + 0]` (and likewise data_end, data_meta): same slot,
// no instruction inserted, no jump target moves. The u32 copies in the uapi part stay 0.
#pragma once

#include <linux/bpf.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "ebpfjit/host_ctx.hpp"
#include "ebpfjit/program_type.hpp"
#include "engine_abi/context_layout.hpp"

namespace ebpfjit::engine_abi {

struct HostCtxField {
    std::string_view name;
    uint16_t offset;  // in the uapi struct
    uint8_t size;     // bytes in the uapi struct
    CtxFieldKind kind;
    ProgramTypeMask readable;
    ProgramTypeMask writable;
    bool narrow_write; // accesses of any size within it (cb[] only)
    uint16_t host_offset; // where the value lives in the host struct
    uint8_t host_size;    // 8 for pointers, else == size
    uint8_t width;        // CtxField::width
    bool read_size_ok(uint32_t size) const { return ctx_read_size_ok(width, narrow_write, size); }
};


// A verifier field placed in the host struct: scalars stay where they are, packet
// pointers move to the 64-bit block at `pointers`.
constexpr HostCtxField place_on_host(const CtxField& f, uint16_t pointers) {
    HostCtxField out{f.name, f.offset, f.size, f.kind, f.readable, f.writable, f.narrow_write, f.offset, f.size, f.width};
    switch (f.kind) {
    case CtxFieldKind::Scalar: break;
    case CtxFieldKind::PacketData: out.host_offset = uint16_t(pointers + offsetof(HostPointers, data)); break;
    case CtxFieldKind::PacketEnd: out.host_offset = uint16_t(pointers + offsetof(HostPointers, data_end)); break;
    case CtxFieldKind::PacketMeta: out.host_offset = uint16_t(pointers + offsetof(HostPointers, data_meta)); break;
    case CtxFieldKind::Socket: break; // bpf_sock_addr.sk: already a 64-bit pointer in place
    case CtxFieldKind::SkbSocket: break; // __sk_buff.sk: a u64 in the uapi struct, the pointer in place
    }
    if (f.kind != CtxFieldKind::Scalar) out.host_size = 8;
    return out;
}

template <size_t N>
constexpr std::array<HostCtxField, N> place_all_on_host(const std::array<CtxField, N>& fields, uint16_t pointers) {
    std::array<HostCtxField, N> out{};
    for (size_t i = 0; i < N; ++i) out[i] = place_on_host(fields[i], pointers);
    return out;
}

// --- XDP -----------------------------------------------------------------------------

inline constexpr uint16_t kXdpHostPointers = offsetof(XdpHostCtx, ptr);
static_assert(kXdpHostPointers == 24);

inline constexpr std::array<HostCtxField, 6> kXdpHostFields = place_all_on_host(kXdpCtxFields, kXdpHostPointers);

// --- __sk_buff (tc / sched_cls and socket filter) ---------------------------------------

inline constexpr uint16_t kSkbHostPointers = offsetof(SkbHostCtx, ptr);
static_assert(kSkbHostPointers == 192);

inline constexpr std::array<HostCtxField, 24> kSkbHostFields = place_all_on_host(kSkbCtxFields, kSkbHostPointers);

// The layout a program type's ctx has; Mem programs have none (r1 is raw memory).
struct HostCtxLayout {
    std::string_view struct_name;
    uint32_t uapi_size;
    uint32_t host_size;
    std::span<const HostCtxField> fields;
};

inline constexpr HostCtxLayout kXdpHostLayout{"xdp_md", sizeof(xdp_md), sizeof(XdpHostCtx), kXdpHostFields};
inline constexpr HostCtxLayout kSkbHostLayout{"__sk_buff", sizeof(__sk_buff), sizeof(SkbHostCtx),
                                      kSkbHostFields};

constexpr const HostCtxLayout* host_ctx_layout(ProgramType type) {
    switch (type) {
    case ProgramType::Xdp: return &kXdpHostLayout;
    case ProgramType::SchedCls:
    case ProgramType::SocketFilter: return &kSkbHostLayout;
    case ProgramType::Mem: return nullptr;
    // The cgroup socket types run over the uapi struct itself (ebpfjit_sock_ctx.h): no
    // load needs a rewrite.
    case ProgramType::CgroupSockAddr:
    case ProgramType::CgroupSock: return nullptr;
    }
    return nullptr;
}

// The field that wholly contains [off, off + size), or nullptr.
constexpr const HostCtxField* find_host_ctx_field(const HostCtxLayout& layout, int64_t off, uint32_t size) {
    for (const HostCtxField& f : layout.fields)
        if (off >= f.offset && off + size <= f.offset + f.size) return &f;
    return nullptr;
}

} // namespace ebpfjit::engine_abi
