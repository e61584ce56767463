// The ctx structures each program type sees, in their uapi layout (the offsets clang
// compiles against). Loads of data / data_end / data_meta produce packet pointers; the
// runtime places real pointers there (or the lowering rewrites the loads), as the kernel's
// convert_ctx_access does.
//
//   xdp_md (24 B):      0 data | 4 data_end | 8 data_meta | 12 ingress_ifindex
//                       16 rx_queue_index | 20 egress_ifindex
//   __sk_buff subset:   0 len | 4 pkt_type | 8 mark | 12 queue_mapping | 16 protocol
//                       20 vlan_present | 24 vlan_tci | 28 vlan_proto | 32 priority
//                       36 ingress_ifindex | 40 ifindex | 44 tc_index | 48 cb[5]
//                       68 hash | 72 tc_classid (tc) | 76 data (tc) | 80 data_end (tc)
//                       84 napi_id | 140 data_meta (tc) | wire_len (tc)
// (offsets from <linux/bpf.h>; the same subset runtime/context's rewrite accepts)
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "ebpfjit/program_type.hpp"

namespace ebpfjit::verifier {

enum class CtxFieldKind : uint8_t { Scalar, PacketData, PacketEnd, PacketMeta };

struct CtxField {
    std::string_view name;
    uint16_t offset;
    uint16_t size;     // bytes (arrays: whole array)
    CtxFieldKind kind;
    bool writable;
};

struct ContextLayout {
    std::string_view name; // "xdp_md", "__sk_buff"
    uint32_t size;         // bytes the verifier lets the program address
    std::span<const CtxField> fields;
    // Field containing [offset, offset + size), or nullptr.
    const CtxField* field_at(int64_t offset, uint32_t size) const;
};

// nullptr for program types without a ctx struct (mem).
const ContextLayout* context_layout(ProgramType type);

} // namespace ebpfjit::verifier
