// tc helpers that read or set an skb's metadata rather than its bytes (net/core/filter.c):
// hash, packet type, checksum level, ECN, socket / cgroup / route answers, and
// bpf_skb_load_bytes_relative. The socket, cgroup and route answers come from what the
// embedder put in SkbMetadata (socket, route_realm) and cgroup arrays and OpenOptions::network (netns cookie); absent,
// they are what the kernel returns for an skb without a socket or route: 0.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include <arpa/inet.h>

#include <cerrno>
#include <cstring>

#include "helpers/checksum.hpp"
#include "helpers/helper_families.hpp"
#include "helpers/helper_table.hpp"
#include "helpers/cgroup_sock_ctx.hpp"
#include "helpers/packet_ctx.hpp"
#include "ebpfjit/host_network.hpp"
#include "ebpfjit/skb_packet.hpp"
#include "engine_abi/execution_state.hpp"
#include "runtime/maps/cgroup_array.hpp"

namespace ebpfjit::helpers {
namespace {

using runtime::ChecksumState;
using runtime::SkbPacket;

uint64_t err(int e) { return uint64_t(int64_t(-e)); }

uint16_t be16_at(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }

// The flow keys skb_get_hash hashes: addresses, ports and protocol of the outermost
// IPv4 / IPv6 header (ports only for unfragmented TCP, UDP, UDP-Lite and SCTP). Ordered so
// that both directions of a flow hash alike (__flow_hash_consistentify).
uint32_t flow_hash(SkbPacket& skb) {
    const std::span<uint8_t> pkt = skb.bytes();
    const uint32_t nh = skb.mac_header_length();
    uint8_t a[16] = {}, b[16] = {};
    uint32_t addr_len = 0, ports = 0, l4 = 0;
    uint8_t proto = 0;
    if (skb.protocol() == htons(ETH_P_IP) && nh + 20 <= pkt.size()) {
        const uint8_t* ip = pkt.data() + nh;
        addr_len = 4;
        std::memcpy(a, ip + 12, 4);
        std::memcpy(b, ip + 16, 4);
        proto = ip[9];
        const bool fragment = (be16_at(ip + 6) & 0x3fff) != 0; // MF or an offset
        if (!fragment) l4 = nh + (ip[0] & 0xf) * 4u;
    } else if (skb.protocol() == htons(ETH_P_IPV6) && nh + 40 <= pkt.size()) {
        const uint8_t* ip = pkt.data() + nh;
        addr_len = 16;
        std::memcpy(a, ip + 8, 16);
        std::memcpy(b, ip + 24, 16);
        proto = ip[6];
        l4 = nh + 40;
    }
    const bool has_ports = proto == 6 || proto == 17 || proto == 136 || proto == 132;
    if (l4 && has_ports && l4 + 4 <= pkt.size()) std::memcpy(&ports, pkt.data() + l4, 4);
    uint16_t sport = uint16_t(ports), dport = uint16_t(ports >> 16);
    if (std::memcmp(a, b, addr_len) > 0 || (std::memcmp(a, b, addr_len) == 0 && sport > dport)) {
        std::swap(a, b);
        std::swap(sport, dport);
    }
    // FNV-1a over the keys, then a 64-bit finaliser: stable within and across processes
    // (the kernel's siphash key is random per boot, so its values differ anyway).
    uint64_t h = 0xcbf29ce484222325ULL;
    auto mix = [&](const void* p, size_t n) {
        for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<const uint8_t*>(p)[i]) * 0x100000001b3ULL;
    };
    mix(a, addr_len);
    mix(b, addr_len);
    mix(&sport, 2);
    mix(&dport, 2);
    mix(&proto, 1);
    h ^= h >> 33, h *= 0xff51afd7ed558ccdULL, h ^= h >> 33;
    const uint32_t hash = uint32_t(h);
    return hash ? hash : 1; // __flow_hash_from_keys never returns 0
}

// bpf_get_hash_recalc: skb_get_hash, computing (and storing) a flow hash when skb->hash
// is not a valid L4 / software hash.
uint64_t get_hash_recalc(uint64_t ctx, uint64_t, uint64_t, uint64_t, uint64_t) {
    SkbPacket* skb = skb_of(ctx);
    if (!skb) return 0;
    if (!skb->hash_valid()) skb->set_hash(flow_hash(*skb));
    return skb->hash();
}

uint64_t set_hash_invalid(uint64_t ctx, uint64_t, uint64_t, uint64_t, uint64_t) {
    if (SkbPacket* skb = skb_of(ctx)) skb->clear_hash();
    return 0;
}

uint64_t set_hash(uint64_t ctx, uint64_t hash, uint64_t, uint64_t, uint64_t) {
    if (SkbPacket* skb = skb_of(ctx)) skb->set_hash(uint32_t(hash));
    return 0;
}

// bpf_skb_change_type: only PACKET_HOST .. PACKET_OTHERHOST, from and to (skb_pkt_type_ok).
uint64_t skb_change_type(uint64_t ctx, uint64_t type, uint64_t, uint64_t, uint64_t) {
    SkbPacket* skb = skb_of(ctx);
    if (!skb) return err(EINVAL);
    if (skb->pkt_type() > PACKET_OTHERHOST || uint32_t(type) > PACKET_OTHERHOST) return err(EINVAL);
    skb->set_pkt_type(uint32_t(type));
    return 0;
}

// task_get_classid in softirq: the socket's net_cls classid, 0 without a full socket.
uint64_t get_cgroup_classid(uint64_t ctx, uint64_t, uint64_t, uint64_t, uint64_t) {
    SkbPacket* skb = skb_of(ctx);
    return skb && skb->socket() ? skb->socket()->classid : 0;
}

uint64_t get_route_realm(uint64_t ctx, uint64_t, uint64_t, uint64_t, uint64_t) {
    SkbPacket* skb = skb_of(ctx);
    return skb ? skb->route_realm() : 0;
}

uint64_t skb_cgroup_id(uint64_t ctx, uint64_t, uint64_t, uint64_t, uint64_t) {
    SkbPacket* skb = skb_of(ctx);
    return skb && skb->socket() ? skb->socket()->cgroup_id : 0;
}

// bpf_skb_under_cgroup: is the skb's full socket in the cgroup of slot `idx` of a cgroup
// array, or below it (sk_under_cgroup_hierarchy)? 1 / 0; -ENOENT without a socket, -E2BIG
// for an index past max_entries, -EAGAIN for an empty slot. The socket's cgroup and its
// ancestors are the embedder's SkbSocket::cgroup_id and cgroup_ancestors.
uint64_t skb_under_cgroup(uint64_t ctx, uint64_t map, uint64_t idx, uint64_t, uint64_t) {
    SkbPacket* skb = skb_of(ctx);
    if (!skb || !skb->socket()) return err(ENOENT);
    auto* cgroups = dynamic_cast<maps::CgroupArray*>(reinterpret_cast<maps::Map*>(map));
    if (!cgroups) return err(EINVAL);
    const std::optional<uint64_t> id = cgroups->cgroup_id(uint32_t(idx));
    if (!id) return err(E2BIG);
    if (*id == 0) return err(EAGAIN);
    return skb->socket()->in_cgroup(*id) ? 1 : 0;
}

// skb->sk's cookie: the socket bpf_sk_assign set in this run (socket_helpers.cpp) takes
// the place of the embedder's SkbMetadata::socket, as the kernel's skb_orphan + skb->sk = sk
// does. Reads the skb only, not the run state.
uint64_t get_socket_cookie(uint64_t ctx, uint64_t, uint64_t, uint64_t, uint64_t) {
    if (const auto* st = engine_abi::ExecutionState::current();
        st && (st->type == ProgramType::CgroupSockAddr || st->type == ProgramType::CgroupSock))
        return cgroup_socket_cookie(ctx);
    SkbPacket* skb = skb_of(ctx);
    if (!skb) return 0;
    if (skb->assigned_socket()) return skb->assigned_socket()->spec.cookie;
    return skb->socket() ? skb->socket()->cookie : 0;
}

// The cookie of the namespace the program runs in: OpenOptions::network's, or init_net's.
uint64_t get_netns_cookie(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
    const auto* st = engine_abi::ExecutionState::current();
    if (!st || !st->network) return HostNetwork::kInitNetCookie;
    auto lock = st->network->read_lock();
    return st->network->netns_cookie();
}

// bpf_csum_level: __skb_{incr,decr,reset}_checksum_unnecessary, or the current level.
uint64_t csum_level(uint64_t ctx, uint64_t level, uint64_t, uint64_t, uint64_t) {
    SkbPacket* skb = skb_of(ctx);
    if (!skb) return err(EINVAL);
    const bool unnecessary = skb->checksum_state() == ChecksumState::Unnecessary;
    switch (level) {
    case BPF_CSUM_LEVEL_INC:
        if (unnecessary) {
            if (skb->csum_level() < SkbPacket::kMaxCsumLevel) skb->set_checksum_unnecessary(uint8_t(skb->csum_level() + 1));
        } else if (skb->checksum_state() == ChecksumState::None) {
            skb->set_checksum_unnecessary(0);
        }
        return 0;
    case BPF_CSUM_LEVEL_DEC:
        if (unnecessary) {
            if (skb->csum_level() == 0) skb->set_checksum_none();
            else skb->set_checksum_unnecessary(uint8_t(skb->csum_level() - 1));
        }
        return 0;
    case BPF_CSUM_LEVEL_RESET:
        if (unnecessary) skb->set_checksum_none();
        return 0;
    case BPF_CSUM_LEVEL_QUERY: return unnecessary ? skb->csum_level() : err(EACCES);
    default: return err(EINVAL);
    }
}

// bpf_skb_ecn_set_ce: INET_ECN_set_ce on the IPv4 / IPv6 header in the linear area.
// 1 if the packet is now CE-marked (ECT(0), ECT(1) or already CE), 0 if not ECN-capable
// or not IP.
uint64_t skb_ecn_set_ce(uint64_t ctx, uint64_t, uint64_t, uint64_t, uint64_t) {
    SkbPacket* skb = skb_of(ctx);
    if (!skb) return 0;
    const bool v4 = skb->protocol() == htons(ETH_P_IP), v6 = skb->protocol() == htons(ETH_P_IPV6);
    if (!v4 && !v6) return 0;
    const uint32_t nh = skb->mac_header_length(), hdr = v4 ? 20 : 40;
    if (uint64_t(nh) + hdr > skb->linear_length()) return 0;
    uint8_t* ip = skb->bytes().data() + nh;
    if (v4) {
        const uint8_t ecn = ip[1] & 3;
        if (ecn == 0) return 0;  // Not-ECT
        if (ecn == 3) return 1;  // already CE
        // IP_ECN_set_ce: tos |= CE with an incremental header checksum fix.
        uint16_t sum;
        std::memcpy(&sum, ip + 10, 2);
        const uint16_t from = htons(uint16_t(ip[0] << 8 | ip[1]));
        ip[1] |= 3;
        const uint16_t to = htons(uint16_t(ip[0] << 8 | ip[1]));
        csum::replace2(&sum, from, to);
        std::memcpy(ip + 10, &sum, 2);
        return 1;
    }
    uint32_t from;
    std::memcpy(&from, ip, 4);
    const uint8_t ecn = uint8_t(ntohl(from) >> 20) & 3;
    if (ecn == 0) return 0;
    if (ecn == 3) return 1;
    const uint32_t to = from | htonl(3u << 20);
    std::memcpy(ip, &to, 4);
    if (skb->checksum_state() == ChecksumState::Complete)
        skb->set_csum(csum::add(csum::sub(skb->csum(), from), to));
    return 1;
}

// bpf_skb_load_bytes_relative: from the MAC or network header, within the linear area
// (up to skb_tail_pointer); -EFAULT (and `to` zeroed) otherwise.
uint64_t skb_load_bytes_relative(uint64_t ctx, uint64_t offset, uint64_t to, uint64_t len, uint64_t start) {
    auto* out = reinterpret_cast<uint8_t*>(to);
    const uint32_t n = uint32_t(len);
    SkbPacket* skb = skb_of(ctx);
    uint64_t base = 0;
    const bool ok_start = start == BPF_HDR_START_MAC || start == BPF_HDR_START_NET;
    if (skb && ok_start && uint32_t(offset) <= 0xffff) {
        base = start == BPF_HDR_START_NET ? skb->mac_header_length() : 0;
        if (base + uint32_t(offset) + n <= skb->linear_length()) {
            std::memcpy(out, skb->bytes().data() + base + uint32_t(offset), n);
            return 0;
        }
    }
    std::memset(out, 0, n);
    return err(EFAULT);
}

constexpr ProgramTypeMask kTc = mask_of(ProgramType::SchedCls);
constexpr ProgramTypeMask kTcSocket = kTc | mask_of(ProgramType::SocketFilter);

} // namespace

void register_skb_meta_helpers(HelperTable& t) {
    using enum ArgType;
    const Prototype ctx_only{RetType::Integer, {PtrToCtx}};
    const Prototype ctx_scalar{RetType::Integer, {PtrToCtx, Anything}};
    t.add({BPF_FUNC_get_hash_recalc, "get_hash_recalc", ctx_only, kTc, get_hash_recalc});
    t.add({BPF_FUNC_set_hash_invalid, "set_hash_invalid", ctx_only, kTc, set_hash_invalid});
    t.add({BPF_FUNC_set_hash, "set_hash", ctx_scalar, kTc, set_hash});
    t.add({BPF_FUNC_skb_change_type, "skb_change_type", ctx_scalar, kTc, skb_change_type});
    t.add({BPF_FUNC_get_cgroup_classid, "get_cgroup_classid", ctx_only, kTc, get_cgroup_classid});
    t.add({BPF_FUNC_get_route_realm, "get_route_realm", ctx_only, kTc, get_route_realm});
    t.add({BPF_FUNC_skb_cgroup_id, "skb_cgroup_id", ctx_only, kTc, skb_cgroup_id});
    t.add({BPF_FUNC_skb_under_cgroup, "skb_under_cgroup",
           Prototype{.ret = RetType::Integer,
                     .args = {PtrToCtx, ConstMapPtr, Anything},
                     .map_types = map_types({engine_abi::map_type::kCgroupArray})},
           kTc, skb_under_cgroup});
    // Also the cgroup socket hooks' (sock_addr_func_proto, sock_filter_func_proto).
    constexpr ProgramTypeMask kCgroupSock = mask_of(ProgramType::CgroupSockAddr) | mask_of(ProgramType::CgroupSock);
    t.add({BPF_FUNC_get_socket_cookie, "get_socket_cookie", ctx_only, kTcSocket | kCgroupSock, get_socket_cookie});
    t.add({BPF_FUNC_get_netns_cookie, "get_netns_cookie", ctx_only, kTc | kCgroupSock, get_netns_cookie});
    t.add({BPF_FUNC_csum_level, "csum_level", ctx_scalar, kTc, csum_level});
    t.add({BPF_FUNC_skb_ecn_set_ce, "skb_ecn_set_ce", ctx_only, kTc, skb_ecn_set_ce});
    t.add({BPF_FUNC_skb_load_bytes_relative, "skb_load_bytes_relative",
           Prototype{RetType::Integer, {PtrToCtx, Anything, PtrToUninitMem, ConstSize, Anything}}, kTcSocket,
           skb_load_bytes_relative});
}

} // namespace ebpfjit::helpers
