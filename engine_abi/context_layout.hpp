// The ctx structures each program type sees, in their uapi layout (the offsets clang
// compiles against), and which program type may read / write each field. This is the one
// table: engine_abi/ctx_layout.hpp derives its host layout (where the rewritten
// pointer loads go) from it. Loads of data / data_end / data_meta produce packet
// pointers; the runtime places real pointers there (the lowering rewrites the loads), as
// the kernel's convert_ctx_access does.
//
//   xdp_md (24 B):      0 data | 4 data_end | 8 data_meta | 12 ingress_ifindex
//                       16 rx_queue_index | 20 egress_ifindex
//   __sk_buff subset:   0 len | 4 pkt_type | 8 mark | 12 queue_mapping | 16 protocol
//                       20 vlan_present | 24 vlan_tci | 28 vlan_proto | 32 priority
//                       36 ingress_ifindex | 40 ifindex | 44 tc_index | 48 cb[5]
//                       68 hash | 72 tc_classid (tc) | 76 data (tc) | 80 data_end (tc)
//                       84 napi_id | 140 data_meta (tc) | 152 tstamp (tc, u64)
//                       | 160 sk (u64 pointer) | 164 gso_segs | 168 wire_len (tc) | 176 gso_size
// (offsets from <linux/bpf.h>). Readable / writable sets follow the kernel's
// xdp_is_valid_access, tc_cls_act_is_valid_access and sk_filter_is_valid_access:
// socket filters may not see data/data_end/data_meta/tc_classid/tstamp/wire_len and may
// write only cb[]. Access sizes follow bpf_skb_is_valid_access (ctx_read_size_ok below).
#pragma once

#include <linux/bpf.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "ebpfjit/program_type.hpp"

namespace ebpfjit::engine_abi {

enum class CtxFieldKind : uint8_t {
    Scalar,     // plain value
    PacketData, // the first packet byte (a 64-bit pointer after the rewrite)
    PacketEnd,  // one past the last packet byte (of the linear part for skbs)
    PacketMeta, // start of the metadata area in front of data
    Socket,     // bpf_sock_addr.sk: a real 64-bit pointer to a struct bpf_sock (PTR_TO_SOCKET)
    // __sk_buff.sk: the skb's socket (ExecutionState::skb_socket) as a real 64-bit pointer
    // to its struct bpf_sock, or NULL (PTR_TO_SOCK_COMMON_OR_NULL, no reference)
    SkbSocket,
};

// Whose access-size rules a ctx struct follows.
enum class CtxSizeRule : uint8_t {
    Skb,      // bpf_skb_is_valid_access (xdp_md and __sk_buff): ctx_read_size_ok / ctx_write_size_ok
    SockAddr, // sock_addr_is_valid_access (engine_abi/cgroup_sock_layout.hpp)
    Sock,     // bpf_sock_is_valid_access (engine_abi/sock_layout.hpp)
};

// bpf_skb_is_valid_access's size rules for a field whose whole access takes `width` bytes:
// a u64 field only whole; cb[] (`narrow`, a byte array to the kernel) 1, 2, 4 or 8 bytes
// either way; any other u32 field read with 1, 2 or 4 bytes and written whole.
constexpr bool ctx_read_size_ok(uint8_t width, bool narrow, uint32_t size) {
    return width == 8 ? size == 8 : size <= (narrow ? 8u : width);
}
constexpr bool ctx_write_size_ok(uint8_t width, bool narrow, uint32_t size) {
    return width == 8 ? size == 8 : narrow ? size <= 8u : size == width;
}

struct CtxField {
    std::string_view name;
    uint16_t offset; // in the uapi struct
    uint8_t size;    // bytes (arrays: the whole array)
    CtxFieldKind kind;
    ProgramTypeMask readable;
    ProgramTypeMask writable;
    bool narrow_write; // accesses of any size within it (cb[] only)
    // The access size a whole field takes: 4 for the u32 fields (reads may be narrower),
    // 8 for a u64 field, which the kernel lets programs read and write only whole.
    uint8_t width = 4;
    // The attach types that may read / write it at all (the kernel's per-attach-type
    // rules of cgroup socket programs; every attach type for the others).
    AttachTypeMask read_attach = kAnyAttach;
    AttachTypeMask write_attach = kAnyAttach;

    bool read_size_ok(uint32_t size) const { return ctx_read_size_ok(width, narrow_write, size); }
    bool write_size_ok(uint32_t size) const { return ctx_write_size_ok(width, narrow_write, size); }
};

inline constexpr ProgramTypeMask kCtxXdp = mask_of(ProgramType::Xdp);
inline constexpr ProgramTypeMask kCtxTc = mask_of(ProgramType::SchedCls);
inline constexpr ProgramTypeMask kCtxTcAndSocket = kCtxTc | mask_of(ProgramType::SocketFilter);

inline constexpr std::array<CtxField, 6> kXdpCtxFields{{
    {"data", offsetof(xdp_md, data), 4, CtxFieldKind::PacketData, kCtxXdp, 0, false},
    {"data_end", offsetof(xdp_md, data_end), 4, CtxFieldKind::PacketEnd, kCtxXdp, 0, false},
    {"data_meta", offsetof(xdp_md, data_meta), 4, CtxFieldKind::PacketMeta, kCtxXdp, 0, false},
    {"ingress_ifindex", offsetof(xdp_md, ingress_ifindex), 4, CtxFieldKind::Scalar, kCtxXdp, 0, false},
    {"rx_queue_index", offsetof(xdp_md, rx_queue_index), 4, CtxFieldKind::Scalar, kCtxXdp, 0, false},
    // The kernel lets only devmap programs read it; here every XDP program may (it reads 0
    // unless the embedder sets it).
    {"egress_ifindex", offsetof(xdp_md, egress_ifindex), 4, CtxFieldKind::Scalar, kCtxXdp, 0, false},
}};

#define EBPFJIT_SKB_SCALAR(field, rd, wr) \
    CtxField { #field, offsetof(__sk_buff, field), 4, CtxFieldKind::Scalar, rd, wr, false }
inline constexpr std::array<CtxField, 24> kSkbCtxFields{{
    EBPFJIT_SKB_SCALAR(len, kCtxTcAndSocket, 0),
    EBPFJIT_SKB_SCALAR(pkt_type, kCtxTcAndSocket, 0),
    EBPFJIT_SKB_SCALAR(mark, kCtxTcAndSocket, kCtxTc),
    EBPFJIT_SKB_SCALAR(queue_mapping, kCtxTcAndSocket, kCtxTc),
    EBPFJIT_SKB_SCALAR(protocol, kCtxTcAndSocket, 0),
    EBPFJIT_SKB_SCALAR(vlan_present, kCtxTcAndSocket, 0),
    EBPFJIT_SKB_SCALAR(vlan_tci, kCtxTcAndSocket, 0),
    EBPFJIT_SKB_SCALAR(vlan_proto, kCtxTcAndSocket, 0),
    EBPFJIT_SKB_SCALAR(priority, kCtxTcAndSocket, kCtxTc),
    EBPFJIT_SKB_SCALAR(ingress_ifindex, kCtxTcAndSocket, 0),
    EBPFJIT_SKB_SCALAR(ifindex, kCtxTcAndSocket, 0),
    EBPFJIT_SKB_SCALAR(tc_index, kCtxTcAndSocket, kCtxTc),
    CtxField{"cb", offsetof(__sk_buff, cb), 20, CtxFieldKind::Scalar, kCtxTcAndSocket, kCtxTcAndSocket, true},
    EBPFJIT_SKB_SCALAR(hash, kCtxTcAndSocket, 0),
    EBPFJIT_SKB_SCALAR(tc_classid, kCtxTc, kCtxTc),
    EBPFJIT_SKB_SCALAR(napi_id, kCtxTcAndSocket, 0),
    EBPFJIT_SKB_SCALAR(wire_len, kCtxTc, 0),
    // skb_shinfo(skb)->gso_segs / gso_size, read-only for tc and socket filters (the
    // kernel's bpf_skb_is_valid_access default case). An ebpfjit skb is one frame, never
    // a GSO super-frame (no helper here segments or re-sizes segments), so both read 0:
    // the kernel's values for a non-GSO skb, which skb_is_gso() tests by gso_size != 0.
    EBPFJIT_SKB_SCALAR(gso_segs, kCtxTcAndSocket, 0),
    EBPFJIT_SKB_SCALAR(gso_size, kCtxTcAndSocket, 0),
    // skb->tstamp (ns; the embedder's SkbMetadata::tstamp). tc reads and writes it (EDT
    // pacing: a later departure time); socket filters may not touch it.
    CtxField{"tstamp", offsetof(__sk_buff, tstamp), 8, CtxFieldKind::Scalar, kCtxTc, kCtxTc, false, 8},
    CtxField{"data", offsetof(__sk_buff, data), 4, CtxFieldKind::PacketData, kCtxTc, 0, false},
    CtxField{"data_end", offsetof(__sk_buff, data_end), 4, CtxFieldKind::PacketEnd, kCtxTc, 0, false},
    // skb->sk (bpf_skb_is_valid_access: read-only, 8 bytes, PTR_TO_SOCK_COMMON_OR_NULL).
    CtxField{"sk", offsetof(__sk_buff, sk), 8, CtxFieldKind::SkbSocket, kCtxTcAndSocket, 0, false, 8},
    CtxField{"data_meta", offsetof(__sk_buff, data_meta), 4, CtxFieldKind::PacketMeta, kCtxTc, 0, false},
}};
#undef EBPFJIT_SKB_SCALAR

// One program type's (and attach type's) view of its ctx struct.
struct ContextLayout {
    std::string_view name; // "xdp_md", "__sk_buff"
    uint32_t size;         // bytes of the uapi struct
    std::span<const CtxField> fields;
    ProgramType type;
    AttachType attach = AttachType::None;
    CtxSizeRule size_rule = CtxSizeRule::Skb;
    // The field this type may read that contains [offset, offset + size), or nullptr.
    const CtxField* field_at(int64_t offset, uint32_t size) const;
    // The field containing [offset, offset + size) whatever the type and attach type may
    // do with it (to say why an access was refused), or nullptr.
    const CtxField* any_field_at(int64_t offset, uint32_t size) const;
    bool writable(const CtxField& f) const {
        return (f.writable & mask_of(type)) != 0 && (f.write_attach & attach_mask_of(attach)) != 0;
    }
};

// nullptr for program types without a ctx struct (mem). `attach` matters only for the
// cgroup socket types (their layouts differ per attach type).
const ContextLayout* context_layout(ProgramType type, AttachType attach = AttachType::None);

} // namespace ebpfjit::engine_abi
