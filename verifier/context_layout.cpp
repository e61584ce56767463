#include "verifier/context_layout.hpp"

#include <linux/bpf.h>

#include <array>
#include <cstddef>

namespace ebpfjit::verifier {

namespace {

using K = CtxFieldKind;

constexpr std::array kXdpFields{
    CtxField{"data", 0, 4, K::PacketData, false},
    CtxField{"data_end", 4, 4, K::PacketEnd, false},
    CtxField{"data_meta", 8, 4, K::PacketMeta, false},
    CtxField{"ingress_ifindex", 12, 4, K::Scalar, false},
    CtxField{"rx_queue_index", 16, 4, K::Scalar, false},
    CtxField{"egress_ifindex", 20, 4, K::Scalar, false},
};

#define SKB_FIELD(f, size, kind, writable) CtxField{#f, offsetof(__sk_buff, f), size, kind, writable}

// Socket filters may write only cb[] and have no direct packet access (as in the kernel:
// they read the packet with LD_ABS / LD_IND or bpf_skb_load_bytes).
constexpr std::array kSocketFields{
    SKB_FIELD(len, 4, K::Scalar, false),
    SKB_FIELD(pkt_type, 4, K::Scalar, false),
    SKB_FIELD(mark, 4, K::Scalar, false),
    SKB_FIELD(queue_mapping, 4, K::Scalar, false),
    SKB_FIELD(protocol, 4, K::Scalar, false),
    SKB_FIELD(vlan_present, 4, K::Scalar, false),
    SKB_FIELD(vlan_tci, 4, K::Scalar, false),
    SKB_FIELD(vlan_proto, 4, K::Scalar, false),
    SKB_FIELD(priority, 4, K::Scalar, false),
    SKB_FIELD(ingress_ifindex, 4, K::Scalar, false),
    SKB_FIELD(ifindex, 4, K::Scalar, false),
    SKB_FIELD(tc_index, 4, K::Scalar, false),
    SKB_FIELD(cb, 20, K::Scalar, true),
    SKB_FIELD(hash, 4, K::Scalar, false),
    SKB_FIELD(napi_id, 4, K::Scalar, false),
};

// tc / sched_cls: also mark, queue_mapping, priority, tc_index, tc_classid writable, and
// direct packet access.
constexpr std::array kTcFields{
    SKB_FIELD(len, 4, K::Scalar, false),
    SKB_FIELD(pkt_type, 4, K::Scalar, false),
    SKB_FIELD(mark, 4, K::Scalar, true),
    SKB_FIELD(queue_mapping, 4, K::Scalar, true),
    SKB_FIELD(protocol, 4, K::Scalar, false),
    SKB_FIELD(vlan_present, 4, K::Scalar, false),
    SKB_FIELD(vlan_tci, 4, K::Scalar, false),
    SKB_FIELD(vlan_proto, 4, K::Scalar, false),
    SKB_FIELD(priority, 4, K::Scalar, true),
    SKB_FIELD(ingress_ifindex, 4, K::Scalar, false),
    SKB_FIELD(ifindex, 4, K::Scalar, false),
    SKB_FIELD(tc_index, 4, K::Scalar, true),
    SKB_FIELD(cb, 20, K::Scalar, true),
    SKB_FIELD(hash, 4, K::Scalar, false),
    SKB_FIELD(tc_classid, 4, K::Scalar, true),
    SKB_FIELD(napi_id, 4, K::Scalar, false),
    SKB_FIELD(wire_len, 4, K::Scalar, false),
    SKB_FIELD(data, 4, K::PacketData, false),
    SKB_FIELD(data_end, 4, K::PacketEnd, false),
    SKB_FIELD(data_meta, 4, K::PacketMeta, false),
};
#undef SKB_FIELD

constexpr ContextLayout kXdp{"xdp_md", sizeof(xdp_md), kXdpFields};
constexpr ContextLayout kSocket{"__sk_buff", sizeof(__sk_buff), kSocketFields};
constexpr ContextLayout kTc{"__sk_buff", sizeof(__sk_buff), kTcFields};

} // namespace

const CtxField* ContextLayout::field_at(int64_t offset, uint32_t size) const {
    for (const CtxField& f : fields)
        if (offset >= f.offset && offset + size <= uint32_t(f.offset + f.size)) return &f;
    return nullptr;
}

const ContextLayout* context_layout(ProgramType type) {
    switch (type) {
    case ProgramType::Xdp: return &kXdp;
    case ProgramType::SchedCls: return &kTc;
    case ProgramType::SocketFilter: return &kSocket;
    case ProgramType::Mem: return nullptr;
    }
    return nullptr;
}

} // namespace ebpfjit::verifier
