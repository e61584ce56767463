// bpf_fib_lookup and bpf_check_mtu (net/core/filter.c) over the embedder's HostNetwork
// (OpenOptions::network): devices, routes, neighbours. Without one, fib_lookup answers
// BPF_FIB_LKUP_RET_NOT_FWDED (nothing to forward by) and check_mtu -ENODEV (no device).
#include <linux/bpf.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "helpers/helper_families.hpp"
#include "helpers/helper_table.hpp"
#include "helpers/packet_ctx.hpp"
#include "ebpfjit/host_network.hpp"
#include "ebpfjit/skb_packet.hpp"
#include "ebpfjit/xdp_frame.hpp"
#include "engine_abi/execution_state.hpp"

namespace ebpfjit::helpers {
namespace {

using runtime::IpAddress;
using runtime::NetDevice;
using runtime::Route;
using runtime::RouteType;

uint64_t err(int e) { return uint64_t(int64_t(-e)); }

// Flags and codes newer than some distributions' <linux/bpf.h> (Debian 12's arm64 headers
// lack them); values from the kernel's uapi.
constexpr uint64_t kFibLookupSkipNeigh = 1U << 2; // BPF_FIB_LOOKUP_SKIP_NEIGH
constexpr uint64_t kFibLookupTbid = 1U << 3;      // BPF_FIB_LOOKUP_TBID
constexpr uint64_t kFibLookupSrc = 1U << 4;       // BPF_FIB_LOOKUP_SRC
constexpr int kFibRetNoSrcAddr = 9;               // BPF_FIB_LKUP_RET_NO_SRC_ADDR

// bpf_fib_lookup's tbid (input, with DIRECT | TBID) shares its 4 bytes with h_vlan_proto and
// h_vlan_TCI (output); older headers name only the latter.
uint32_t fib_tbid(const bpf_fib_lookup& p) {
    uint32_t tbid = 0;
    std::memcpy(&tbid, &p.h_vlan_proto, sizeof tbid);
    return tbid;
}

constexpr uint32_t kTableMain = 254, kTableLocal = 255;
constexpr uint32_t kVlanHeaderLen = 4;
constexpr uint64_t kFibFlags = BPF_FIB_LOOKUP_DIRECT | BPF_FIB_LOOKUP_OUTPUT | kFibLookupSkipNeigh |
                               kFibLookupTbid | kFibLookupSrc;

const HostNetwork* network() {
    const auto* st = engine_abi::ExecutionState::current();
    return st ? st->network : nullptr;
}

IpAddress address(int family, const void* bytes) {
    IpAddress a;
    a.family = uint8_t(family);
    std::memcpy(a.bytes.data(), bytes, family == AF_INET6 ? 16 : 4);
    return a;
}

// rt6_need_strict: multicast, link-local and loopback addresses are never forwarded.
bool ipv6_strict(const uint32_t* addr) {
    uint8_t b[16];
    std::memcpy(b, addr, 16);
    static const uint8_t loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return b[0] == 0xff || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || std::memcmp(b, loopback, 16) == 0;
}

// bpf_ipv4_fib_lookup / bpf_ipv6_fib_lookup: p is updated in place as the kernel does,
// including on the early returns.
int64_t fib_lookup(const HostNetwork& net, bpf_fib_lookup& p, uint64_t flags, bool check_mtu) {
    const bool v6 = p.family == AF_INET6;
    if (v6 && (ipv6_strict(p.ipv6_dst) || ipv6_strict(p.ipv6_src))) return BPF_FIB_LKUP_RET_NOT_FWDED;
    const NetDevice* in = net.device(p.ifindex);
    if (!in) return -ENODEV;
    if (!(v6 ? in->ipv6_forwarding : in->ipv4_forwarding)) return BPF_FIB_LKUP_RET_FWD_DISABLED;

    const IpAddress dst = v6 ? address(AF_INET6, p.ipv6_dst) : address(AF_INET, &p.ipv4_dst);
    std::optional<Route> route;
    if (flags & BPF_FIB_LOOKUP_DIRECT) {
        route = net.lookup(dst, (flags & kFibLookupTbid) ? fib_tbid(p) : kTableMain);
    } else {
        // fib_lookup without policy rules: the local table, then main.
        route = net.lookup(dst, kTableLocal);
        if (!route) route = net.lookup(dst, kTableMain);
    }
    if (!route) return BPF_FIB_LKUP_RET_NOT_FWDED;
    switch (route->type) {
    case RouteType::Unicast: break;
    case RouteType::Blackhole: return BPF_FIB_LKUP_RET_BLACKHOLE;
    case RouteType::Unreachable: return BPF_FIB_LKUP_RET_UNREACHABLE;
    case RouteType::Prohibit: return BPF_FIB_LKUP_RET_PROHIBIT;
    case RouteType::Local: return BPF_FIB_LKUP_RET_NOT_FWDED;
    }
    const NetDevice* out = net.device(route->ifindex);
    if (!out) return -ENODEV; // a route through a device the embedder did not describe

    uint32_t mtu = 0;
    if (check_mtu) {
        mtu = route->mtu ? route->mtu : out->mtu; // ip_mtu_from_fib_result
        if (p.tot_len > mtu) {
            p.mtu_result = uint16_t(mtu);
            return BPF_FIB_LKUP_RET_FRAG_NEEDED;
        }
    }
    p.rt_metric = route->metric;
    p.ifindex = out->ifindex;

    IpAddress next = dst;
    if (route->gateway) {
        next = *route->gateway;
        if (next.family == AF_INET6) {
            p.family = AF_INET6;
            std::memcpy(p.ipv6_dst, next.bytes.data(), 16);
        } else {
            std::memcpy(&p.ipv4_dst, next.bytes.data(), 4);
        }
    }
    if (flags & kFibLookupSrc) {
        if (!route->source) return kFibRetNoSrcAddr;
        if (v6) std::memcpy(p.ipv6_src, route->source->bytes.data(), 16);
        else std::memcpy(&p.ipv4_src, route->source->bytes.data(), 4);
    }
    if (!(flags & kFibLookupSkipNeigh)) {
        const runtime::Neighbour* neigh = net.neighbour(out->ifindex, next);
        if (!neigh) return BPF_FIB_LKUP_RET_NO_NEIGH;
        std::memcpy(p.dmac, neigh->mac.data(), 6);
    }
    // bpf_fib_set_fwd_params
    std::memcpy(p.smac, out->mac.data(), 6);
    p.h_vlan_TCI = 0;
    p.h_vlan_proto = 0;
    if (mtu) p.mtu_result = uint16_t(mtu);
    return BPF_FIB_LKUP_RET_SUCCESS;
}

// Common entry: `skb_len` is set for tc (the skb's own MTU check when tot_len is 0).
uint64_t fib_lookup_common(uint64_t params, uint64_t plen, uint64_t flags, bool xdp, const uint32_t* skb_len) {
    if (int32_t(plen) < int32_t(sizeof(bpf_fib_lookup))) return err(EINVAL);
    if (flags & ~kFibFlags) return err(EINVAL);
    bpf_fib_lookup p;
    std::memcpy(&p, reinterpret_cast<const void*>(params), sizeof p);
    if (p.family != AF_INET && p.family != AF_INET6) return err(EAFNOSUPPORT);
    const HostNetwork* net = network();
    if (!net) return BPF_FIB_LKUP_RET_NOT_FWDED;
    auto lock = net->read_lock();
    const bool check_mtu = xdp || p.tot_len != 0;
    int64_t rc = fib_lookup(*net, p, flags, check_mtu);
    if (rc == BPF_FIB_LKUP_RET_SUCCESS && !check_mtu && skb_len) {
        // is_skb_forwardable against the egress device.
        const NetDevice* dev = net->device(p.ifindex);
        if (*skb_len > dev->mtu + dev->hard_header_len + kVlanHeaderLen) rc = BPF_FIB_LKUP_RET_FRAG_NEEDED;
        p.mtu_result = uint16_t(dev->mtu);
    }
    std::memcpy(reinterpret_cast<void*>(params), &p, sizeof p);
    return uint64_t(rc);
}

uint64_t fib_lookup_helper(uint64_t ctx, uint64_t params, uint64_t plen, uint64_t flags, uint64_t) {
    const auto* st = engine_abi::ExecutionState::current();
    if (st && st->type == ProgramType::Xdp) return fib_lookup_common(params, plen, flags, true, nullptr);
    runtime::SkbPacket* skb = skb_of(ctx);
    const uint32_t len = skb ? skb->length() : 0;
    return fib_lookup_common(params, plen, flags, false, skb ? &len : nullptr);
}

// bpf_skb_check_mtu / bpf_xdp_check_mtu: ifindex 0 is the packet's own device.
uint64_t check_mtu(uint64_t ctx, uint64_t ifindex, uint64_t mtu_len_ptr, uint64_t len_diff, uint64_t flags) {
    const auto* st = engine_abi::ExecutionState::current();
    const bool xdp = st && st->type == ProgramType::Xdp;
    auto* mtu_len = reinterpret_cast<uint32_t*>(mtu_len_ptr);
    uint32_t in_len;
    std::memcpy(&in_len, mtu_len, 4);
    uint32_t own_ifindex = 0, pkt_len = 0;
    if (xdp) {
        if (flags) return err(EINVAL);
        runtime::XdpFrame* f = xdp_frame_of(ctx);
        if (!f) return err(EINVAL);
        own_ifindex = f->ctx()->uapi.ingress_ifindex;
        pkt_len = f->length();
    } else {
        if (flags & ~uint64_t(BPF_MTU_CHK_SEGS)) return err(EINVAL);
        if ((flags & BPF_MTU_CHK_SEGS) && (int32_t(len_diff) || in_len)) return err(EINVAL);
        runtime::SkbPacket* skb = skb_of(ctx);
        if (!skb) return err(EINVAL);
        own_ifindex = skb->ifindex();
        pkt_len = skb->length();
    }
    const HostNetwork* net = network();
    if (!net) return err(ENODEV);
    auto lock = net->read_lock();
    const NetDevice* dev = net->device(uint32_t(ifindex) ? uint32_t(ifindex) : own_ifindex);
    if (!dev) return err(ENODEV);
    const int64_t mtu = dev->mtu, dev_len = mtu + dev->hard_header_len;
    int64_t len = in_len ? int64_t(in_len) + dev->hard_header_len : int64_t(pkt_len);
    len += int32_t(len_diff);
    const uint64_t ret = len <= dev_len ? BPF_MTU_CHK_RET_SUCCESS : BPF_MTU_CHK_RET_FRAG_NEEDED;
    const uint32_t out = uint32_t(mtu);
    std::memcpy(mtu_len, &out, 4);
    return ret;
}

constexpr ProgramTypeMask kTcXdp = mask_of(ProgramType::SchedCls) | mask_of(ProgramType::Xdp);

} // namespace

void register_route_helpers(HelperTable& t) {
    using enum ArgType;
    t.add({BPF_FUNC_fib_lookup, "fib_lookup",
           Prototype{RetType::Integer, {PtrToCtx, PtrToMem, ConstSize, Anything}}, kTcXdp, fib_lookup_helper});
    t.add({BPF_FUNC_check_mtu, "check_mtu",
           Prototype{RetType::Integer, {PtrToCtx, Anything, PtrToInt, Anything, Anything}}, kTcXdp, check_mtu});
}

} // namespace ebpfjit::helpers
