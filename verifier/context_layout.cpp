#include "verifier/context_layout.hpp"

#include <array>

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

// Socket filters may write only cb[] and have no direct packet access (as in the kernel:
// they read the packet with LD_ABS / LD_IND or bpf_skb_load_bytes).
constexpr std::array kSocketFields{
    CtxField{"len", 0, 4, K::Scalar, false},
    CtxField{"pkt_type", 4, 4, K::Scalar, false},
    CtxField{"mark", 8, 4, K::Scalar, false},
    CtxField{"queue_mapping", 12, 4, K::Scalar, false},
    CtxField{"protocol", 16, 4, K::Scalar, false},
    CtxField{"vlan_present", 20, 4, K::Scalar, false},
    CtxField{"vlan_tci", 24, 4, K::Scalar, false},
    CtxField{"priority", 32, 4, K::Scalar, false},
    CtxField{"ingress_ifindex", 36, 4, K::Scalar, false},
    CtxField{"ifindex", 40, 4, K::Scalar, false},
    CtxField{"tc_index", 44, 4, K::Scalar, false},
    CtxField{"cb", 48, 20, K::Scalar, true},
    CtxField{"hash", 68, 4, K::Scalar, false},
};

// tc / sched_cls: also mark, priority, tc_index, tc_classid writable, and packet access.
constexpr std::array kTcFields{
    CtxField{"len", 0, 4, K::Scalar, false},
    CtxField{"pkt_type", 4, 4, K::Scalar, false},
    CtxField{"mark", 8, 4, K::Scalar, true},
    CtxField{"queue_mapping", 12, 4, K::Scalar, false},
    CtxField{"protocol", 16, 4, K::Scalar, false},
    CtxField{"vlan_present", 20, 4, K::Scalar, false},
    CtxField{"vlan_tci", 24, 4, K::Scalar, false},
    CtxField{"priority", 32, 4, K::Scalar, true},
    CtxField{"ingress_ifindex", 36, 4, K::Scalar, false},
    CtxField{"ifindex", 40, 4, K::Scalar, false},
    CtxField{"tc_index", 44, 4, K::Scalar, true},
    CtxField{"cb", 48, 20, K::Scalar, true},
    CtxField{"hash", 68, 4, K::Scalar, false},
    CtxField{"tc_classid", 72, 4, K::Scalar, true},
    CtxField{"data", 76, 4, K::PacketData, false},
    CtxField{"data_end", 80, 4, K::PacketEnd, false},
    CtxField{"data_meta", 140, 4, K::PacketMeta, false},
};

constexpr ContextLayout kXdp{"xdp_md", 24, kXdpFields};
constexpr ContextLayout kSocket{"__sk_buff", 144, kSocketFields};
constexpr ContextLayout kTc{"__sk_buff", 144, kTcFields};

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
