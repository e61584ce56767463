// bpf_redirect and bpf_redirect_map: record the target in the run's ExecutionState (the
// kernel's per-CPU bpf_redirect_info) and return the verdict the program passes on.
// bpf_redirect has two kernel implementations under one id: bpf_xdp_redirect for XDP,
// bpf_redirect for tc. bpf_redirect_map works on any DEVMAP / DEVMAP_HASH through the
// Map interface: a slot's value starts with the u32 port (struct bpf_devmap_val).
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <cstring>

#include "helpers/helper_families.hpp"
#include "helpers/helper_table.hpp"
#include "engine_abi/execution_state.hpp"
#include "runtime/maps/map.hpp"

namespace ebpfjit::helpers {
namespace {

uint64_t redirect(uint64_t ifindex, uint64_t flags, uint64_t, uint64_t, uint64_t) {
    auto* st = runtime::ExecutionState::current();
    if (st && st->type == ProgramType::Xdp) {
        if (flags != 0) return XDP_ABORTED; // XDP redirects to egress only, and takes no flag
        st->redirect = {true, uint32_t(ifindex), 0, nullptr, 0};
        return XDP_REDIRECT;
    }
    if (!st || (flags & ~uint64_t(BPF_F_INGRESS))) return TC_ACT_SHOT;
    st->redirect = {true, uint32_t(ifindex), flags, nullptr, 0};
    return TC_ACT_REDIRECT;
}

// __bpf_xdp_redirect_map: the low two bits of flags are the verdict when the slot is
// empty; with BPF_F_BROADCAST the frame goes to every port in the map (the embedder walks
// it), empty slot or not.
uint64_t redirect_map(uint64_t map_ptr, uint64_t key, uint64_t flags, uint64_t, uint64_t) {
    constexpr uint64_t kActionMask = XDP_ABORTED | XDP_DROP | XDP_PASS | XDP_TX;
    constexpr uint64_t kFlagMask = BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS;
    auto* st = runtime::ExecutionState::current();
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
    st->redirect = {true, port, broadcast ? flags & kFlagMask : 0, map, index};
    return XDP_REDIRECT;
}

} // namespace

void register_redirect_helpers(HelperTable& t) {
    t.add({BPF_FUNC_redirect_map, "redirect_map",
           Prototype{RetType::Integer, {ArgType::ConstMapPtr, ArgType::Anything, ArgType::Anything}},
           mask_of(ProgramType::Xdp), redirect_map});
    t.add({BPF_FUNC_redirect, "redirect",
           Prototype{RetType::Integer, {ArgType::Anything, ArgType::Anything}},
           mask_of(ProgramType::Xdp) | mask_of(ProgramType::SchedCls), redirect});
}

} // namespace ebpfjit::helpers
