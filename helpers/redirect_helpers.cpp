// bpf_redirect, bpf_redirect_map, bpf_redirect_peer, bpf_redirect_neigh: record the target in the run's ExecutionState (the
// kernel's per-CPU bpf_redirect_info) and return the verdict the program passes on.
// bpf_redirect has two kernel implementations under one id: bpf_xdp_redirect for XDP,
// bpf_redirect for tc. bpf_redirect_map works on any DEVMAP / DEVMAP_HASH through the
// Map interface: a slot's value starts with the u32 port (struct bpf_devmap_val).
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <cstring>

#include "helpers/helper_families.hpp"
#include "helpers/helper_table.hpp"
#include "helpers/packet_ctx.hpp"
#include "ebpfjit/host_network.hpp"
#include "engine_abi/execution_state.hpp"
#include "runtime/maps/map.hpp"

namespace ebpfjit::helpers {
namespace {

uint64_t redirect(uint64_t ifindex, uint64_t flags, uint64_t, uint64_t, uint64_t) {
    auto* st = engine_abi::ExecutionState::current();
    if (st && st->type == ProgramType::Xdp) {
        if (flags != 0) return XDP_ABORTED; // XDP redirects to egress only, and takes no flag
        st->redirect = {true, uint32_t(ifindex), 0, nullptr, 0, 0, {}};
        return XDP_REDIRECT;
    }
    if (!st || (flags & ~uint64_t(BPF_F_INGRESS))) return TC_ACT_SHOT;
    st->redirect = {true, uint32_t(ifindex), flags, nullptr, 0, 0, {}};
    return TC_ACT_REDIRECT;
}

// __bpf_xdp_redirect_map: the low two bits of flags are the verdict when the slot is
// empty; with BPF_F_BROADCAST the frame goes to every port in the map (the embedder walks
// it), empty slot or not.
uint64_t redirect_map(uint64_t map_ptr, uint64_t key, uint64_t flags, uint64_t, uint64_t) {
    constexpr uint64_t kActionMask = XDP_ABORTED | XDP_DROP | XDP_PASS | XDP_TX;
    constexpr uint64_t kFlagMask = BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS;
    auto* st = engine_abi::ExecutionState::current();
    auto* map = reinterpret_cast<maps::Map*>(map_ptr);
    if (!st || !map || (flags & ~(kActionMask | kFlagMask))) return XDP_ABORTED;
    const uint32_t type = map->definition().type;
    if (type != BPF_MAP_TYPE_DEVMAP && type != BPF_MAP_TYPE_DEVMAP_HASH) return XDP_ABORTED;
    const uint32_t index = uint32_t(key);
    const void* value = map->lookup(&index);
    const bool broadcast = flags & BPF_F_BROADCAST;
    if (!value && !broadcast) return flags & kActionMask;
    uint32_t port = 0;
    if (value) std::memcpy(&port, value, sizeof port);
    st->redirect = {true, port, broadcast ? flags & kFlagMask : 0, map, index, 0, {}};
    return XDP_REDIRECT;
}

// bpf_redirect_peer: to the peer of `ifindex` (veth, netkit) on its ingress, across
// namespaces; the embedder resolves the peer (skb_do_redirect). Flags must be 0.
uint64_t redirect_peer(uint64_t ifindex, uint64_t flags, uint64_t, uint64_t, uint64_t) {
    auto* st = engine_abi::ExecutionState::current();
    if (!st || flags) return TC_ACT_SHOT;
    st->redirect = {true, uint32_t(ifindex), kRedirectPeer, nullptr, 0, 0, {}};
    return TC_ACT_REDIRECT;
}

// bpf_redirect_neigh: out of `ifindex` with the L2 header filled in by the stack's
// neighbour resolution, for the nexthop in `params` or (plen 0) the packet's destination.
uint64_t redirect_neigh(uint64_t ifindex, uint64_t params, uint64_t plen, uint64_t flags, uint64_t) {
    auto* st = engine_abi::ExecutionState::current();
    const int32_t len = int32_t(plen);
    if (!st || (len && len < int32_t(sizeof(bpf_redir_neigh))) || flags) return TC_ACT_SHOT;
    st->redirect = {true, uint32_t(ifindex), kRedirectNeigh | (len ? kRedirectNexthop : 0),
                    nullptr, 0, 0, {}};
    if (len) {
        bpf_redir_neigh nh;
        std::memcpy(&nh, reinterpret_cast<const void*>(params), sizeof nh);
        st->redirect.nh_family = nh.nh_family;
        std::memcpy(st->redirect.nh_address.data(), nh.ipv6_nh, 16);
    }
    return TC_ACT_REDIRECT;
}

// bpf_clone_redirect: a copy of the packet as it is now goes to `ifindex` (the embedder
// sends SkbPacket::clones() after the run); the program keeps the original. The device
// must exist in OpenOptions::network (-EINVAL otherwise, and always without one).
uint64_t clone_redirect(uint64_t ctx, uint64_t ifindex, uint64_t flags, uint64_t, uint64_t) {
    if (flags & ~uint64_t(BPF_F_INGRESS)) return uint64_t(int64_t(-EINVAL));
    runtime::SkbPacket* skb = skb_of(ctx);
    const auto* st = engine_abi::ExecutionState::current();
    if (!skb || !st || !st->network) return uint64_t(int64_t(-EINVAL));
    {
        auto lock = st->network->read_lock();
        if (!st->network->device(uint32_t(ifindex))) return uint64_t(int64_t(-EINVAL));
    }
    const auto bytes = skb->bytes();
    skb->add_clone({uint32_t(ifindex), bool(flags & BPF_F_INGRESS), {bytes.begin(), bytes.end()}});
    return 0;
}

} // namespace

void register_redirect_helpers(HelperTable& t) {
    t.add({BPF_FUNC_redirect_map, "redirect_map",
           Prototype{RetType::Integer, {ArgType::ConstMapPtr, ArgType::Anything, ArgType::Anything}},
           mask_of(ProgramType::Xdp), redirect_map});
    t.add({BPF_FUNC_redirect, "redirect",
           Prototype{RetType::Integer, {ArgType::Anything, ArgType::Anything}},
           mask_of(ProgramType::Xdp) | mask_of(ProgramType::SchedCls), redirect});
    const ProgramTypeMask tc = mask_of(ProgramType::SchedCls);
    t.add({BPF_FUNC_redirect_peer, "redirect_peer",
           Prototype{RetType::Integer, {ArgType::Anything, ArgType::Anything}}, tc, redirect_peer});
    t.add({BPF_FUNC_redirect_neigh, "redirect_neigh",
           Prototype{RetType::Integer,
                     {ArgType::Anything, ArgType::PtrToMemOrNull, ArgType::ConstSizeOrZero, ArgType::Anything}},
           tc, redirect_neigh});
    t.add({BPF_FUNC_clone_redirect, "clone_redirect",
           Prototype{RetType::Integer, {ArgType::PtrToCtx, ArgType::Anything, ArgType::Anything}}, tc,
           clone_redirect, /*changes_packet_data=*/true}); // the kernel may reallocate the head
}

} // namespace ebpfjit::helpers
