// How a program's context (r1 at entry) is laid out in memory here, versus the uapi
// struct the program was compiled against. Header-only constexpr data, so the verifier
// and the lowering can read it without linking the runtime.
//
// The problem: the uapi `struct xdp_md` and `struct __sk_buff` declare data, data_end
// and data_meta as __u32, and the kernel rewrites each such load into a 64-bit load of
// the real pointer (convert_ctx_access). A userspace buffer has a 64-bit address, so we
// do the same rewrite (runtime/context/rewrite_ctx_access.hpp) against a *host* struct:
//
//   host ctx =  +--------------------------------+ 0
//               | the uapi struct, byte for byte |   scalar fields (len, mark, cb[],
//               | (xdp_md: 24 B, __sk_buff: 192) |   ifindex, ...) are read and written
//               +--------------------------------+   here unchanged, narrow loads too
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

#include "ebpfjit/program_type.hpp"

namespace ebpfjit::runtime {

enum class CtxFieldKind : uint8_t {
    Scalar,     // plain value, same offset in the host struct
    PacketData, // becomes a 64-bit pointer to the first packet byte
    PacketEnd,  // one past the last packet byte (of the linear part for skbs)
    PacketMeta, // start of the metadata area in front of data
};

struct CtxField {
    std::string_view name;
    uint16_t offset;  // in the uapi struct
    uint8_t size;     // bytes in the uapi struct
    CtxFieldKind kind;
    ProgramTypeMask readable;
    ProgramTypeMask writable;
    bool narrow_write; // stores smaller than `size` are allowed (cb[] only)
    uint16_t host_offset; // where the value lives in the host struct
    uint8_t host_size;    // 8 for pointers, else == size
};

// Host-side pointer block that follows the uapi struct.
struct HostPointers {
    uint64_t data = 0;
    uint64_t data_end = 0;
    uint64_t data_meta = 0;
    void* owner = nullptr; // the runtime object behind this ctx (helpers use it)
};

// --- XDP -----------------------------------------------------------------------------

struct XdpHostCtx {
    xdp_md uapi{};
    HostPointers ptr;
};
inline constexpr uint16_t kXdpHostPointers = offsetof(XdpHostCtx, ptr);
static_assert(kXdpHostPointers == 24);

inline constexpr ProgramTypeMask kXdpOnly = mask_of(ProgramType::Xdp);

inline constexpr std::array<CtxField, 6> kXdpFields{{
    {"data", offsetof(xdp_md, data), 4, CtxFieldKind::PacketData, kXdpOnly, 0, false,
     kXdpHostPointers + offsetof(HostPointers, data), 8},
    {"data_end", offsetof(xdp_md, data_end), 4, CtxFieldKind::PacketEnd, kXdpOnly, 0, false,
     kXdpHostPointers + offsetof(HostPointers, data_end), 8},
    {"data_meta", offsetof(xdp_md, data_meta), 4, CtxFieldKind::PacketMeta, kXdpOnly, 0, false,
     kXdpHostPointers + offsetof(HostPointers, data_meta), 8},
    {"ingress_ifindex", offsetof(xdp_md, ingress_ifindex), 4, CtxFieldKind::Scalar, kXdpOnly, 0,
     false, offsetof(xdp_md, ingress_ifindex), 4},
    {"rx_queue_index", offsetof(xdp_md, rx_queue_index), 4, CtxFieldKind::Scalar, kXdpOnly, 0,
     false, offsetof(xdp_md, rx_queue_index), 4},
    // The kernel lets only devmap programs read it; here every XDP program may (it reads 0
    // unless the embedder sets it).
    {"egress_ifindex", offsetof(xdp_md, egress_ifindex), 4, CtxFieldKind::Scalar, kXdpOnly, 0,
     false, offsetof(xdp_md, egress_ifindex), 4},
}};

// --- __sk_buff (tc / sched_cls and socket filter) ---------------------------------------

struct SkbHostCtx {
    __sk_buff uapi{};
    HostPointers ptr;
};
inline constexpr uint16_t kSkbHostPointers = offsetof(SkbHostCtx, ptr);
static_assert(kSkbHostPointers == 192);

inline constexpr ProgramTypeMask kTc = mask_of(ProgramType::SchedCls);
inline constexpr ProgramTypeMask kTcAndSocket = kTc | mask_of(ProgramType::SocketFilter);

// The documented subset. Readable/writable sets follow the kernel's
// tc_cls_act_is_valid_access and sk_filter_is_valid_access: socket filters may not see
// data/data_end/data_meta/tc_classid and may write only cb[].
#define EBPFJIT_SKB_SCALAR(field, rd, wr)                                                  \
    CtxField{#field, offsetof(__sk_buff, field), 4, CtxFieldKind::Scalar, rd, wr, false,    \
             offsetof(__sk_buff, field), 4}
inline constexpr std::array<CtxField, 20> kSkbFields{{
    EBPFJIT_SKB_SCALAR(len, kTcAndSocket, 0),
    EBPFJIT_SKB_SCALAR(pkt_type, kTcAndSocket, 0),
    EBPFJIT_SKB_SCALAR(mark, kTcAndSocket, kTc),
    EBPFJIT_SKB_SCALAR(queue_mapping, kTcAndSocket, kTc),
    EBPFJIT_SKB_SCALAR(protocol, kTcAndSocket, 0),
    EBPFJIT_SKB_SCALAR(vlan_present, kTcAndSocket, 0),
    EBPFJIT_SKB_SCALAR(vlan_tci, kTcAndSocket, 0),
    EBPFJIT_SKB_SCALAR(vlan_proto, kTcAndSocket, 0),
    EBPFJIT_SKB_SCALAR(priority, kTcAndSocket, kTc),
    EBPFJIT_SKB_SCALAR(ingress_ifindex, kTcAndSocket, 0),
    EBPFJIT_SKB_SCALAR(ifindex, kTcAndSocket, 0),
    EBPFJIT_SKB_SCALAR(tc_index, kTcAndSocket, kTc),
    CtxField{"cb", offsetof(__sk_buff, cb), 20, CtxFieldKind::Scalar, kTcAndSocket, kTcAndSocket,
             true, offsetof(__sk_buff, cb), 20},
    EBPFJIT_SKB_SCALAR(hash, kTcAndSocket, 0),
    EBPFJIT_SKB_SCALAR(tc_classid, kTc, kTc),
    EBPFJIT_SKB_SCALAR(napi_id, kTcAndSocket, 0),
    EBPFJIT_SKB_SCALAR(wire_len, kTc, 0),
    CtxField{"data", offsetof(__sk_buff, data), 4, CtxFieldKind::PacketData, kTc, 0, false,
             kSkbHostPointers + offsetof(HostPointers, data), 8},
    CtxField{"data_end", offsetof(__sk_buff, data_end), 4, CtxFieldKind::PacketEnd, kTc, 0, false,
             kSkbHostPointers + offsetof(HostPointers, data_end), 8},
    CtxField{"data_meta", offsetof(__sk_buff, data_meta), 4, CtxFieldKind::PacketMeta, kTc, 0,
             false, kSkbHostPointers + offsetof(HostPointers, data_meta), 8},
}};
#undef EBPFJIT_SKB_SCALAR

// The layout a program type's ctx has; Mem programs have none (r1 is raw memory).
struct CtxLayout {
    std::string_view struct_name;
    uint32_t uapi_size;
    uint32_t host_size;
    std::span<const CtxField> fields;
};

inline constexpr CtxLayout kXdpLayout{"xdp_md", sizeof(xdp_md), sizeof(XdpHostCtx), kXdpFields};
inline constexpr CtxLayout kSkbLayout{"__sk_buff", sizeof(__sk_buff), sizeof(SkbHostCtx),
                                      kSkbFields};

constexpr const CtxLayout* ctx_layout(ProgramType type) {
    switch (type) {
    case ProgramType::Xdp: return &kXdpLayout;
    case ProgramType::SchedCls:
    case ProgramType::SocketFilter: return &kSkbLayout;
    case ProgramType::Mem: return nullptr;
    }
    return nullptr;
}

// The field that wholly contains [off, off + size), or nullptr.
constexpr const CtxField* find_ctx_field(const CtxLayout& layout, int64_t off, uint32_t size) {
    for (const CtxField& f : layout.fields)
        if (off >= f.offset && off + size <= f.offset + f.size) return &f;
    return nullptr;
}

} // namespace ebpfjit::runtime
