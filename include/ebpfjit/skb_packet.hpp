// A socket buffer for tc (sched_cls) and socket-filter programs: the packet bytes plus the
// documented `struct __sk_buff` subset (ebpfjit/host_ctx.hpp), host ctx in r1.
//
//  buf_                                                            buf_+capacity
//  |<--- headroom (256) --->|data .... linear end| ... rest of len |   free   |
//                           ^data / data_meta    ^data_end
//
// An skb may be non-linear: only the first `linear` bytes are reachable by direct packet
// access (data..data_end) until bpf_skb_pull_data pulls more in; helpers such as
// bpf_skb_load_bytes see all `len` bytes. The embedder picks the split (default: linear).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "ebpfjit/error.hpp"
#include "ebpfjit/host_ctx.hpp"
#include "ebpfjit/memory_region.hpp"
#include "ebpfjit/socket_table.hpp"

namespace ebpfjit {

// The kernel's ip_tunnel_info (an skb's metadata dst), in bpf_tunnel_key's terms. On
// receive the embedder sets it (the tunnel device the packet came in on) and
// bpf_skb_get_tunnel_key / _opt read it; bpf_skb_set_tunnel_key / _opt replace it with
// what the egress tunnel device is to use (tx = true), which the embedder reads after
// the run. Addresses as bpf_tunnel_key has them: IPv4 in [0], host byte order; IPv6 the
// 16 bytes in network order.
struct TunnelInfo {
    bool ipv6 = false;
    bool tx = false;                   // set by bpf_skb_set_tunnel_key (IP_TUNNEL_INFO_TX)
    uint64_t id = 0;                   // tunnel id / VNI (tun_id), host order
    std::array<uint32_t, 4> remote{};  // receive: outer source; transmit: outer destination
    std::array<uint32_t, 4> local{};   // receive: outer destination; transmit: outer source
    uint8_t tos = 0;
    uint8_t ttl = 0;
    uint32_t label = 0;                // IPv6 flow label, host order
    uint16_t flags = 0;                // TUNNEL_* bits (TUNNEL_KEY 0x4, TUNNEL_CSUM 0x1, ...)
    std::vector<uint8_t> options{};    // tunnel options (Geneve TLVs, ...), <= 255 bytes
};

// The socket an skb belongs to (skb->sk, a full socket): answers bpf_get_socket_cookie,
// bpf_skb_cgroup_id, bpf_get_cgroup_classid and bpf_skb_under_cgroup. No socket: the
// first three return 0, skb_under_cgroup -ENOENT.
struct SkbSocket {
    uint64_t cookie = 0;     // sock_gen_cookie()
    uint64_t cgroup_id = 0;  // cgroup v2 id of the socket's cgroup
    uint32_t classid = 0;    // net_cls classid
    // The ids of the cgroups above cgroup_id (any order; the root's is 1 on a real
    // cgroupfs): bpf_skb_under_cgroup answers 1 for these too, as the kernel does for a
    // socket in a descendant of the slot's cgroup. Empty: only cgroup_id itself matches.
    std::vector<uint64_t> cgroup_ancestors{};

    // sk_under_cgroup_hierarchy: the socket's cgroup is `id` or below it.
    bool in_cgroup(uint64_t id) const {
        if (id == cgroup_id) return true;
        for (uint64_t a : cgroup_ancestors)
            if (a == id) return true;
        return false;
    }
};

// A copy made by bpf_clone_redirect, to be sent by the embedder after the run.
struct ClonedPacket {
    uint32_t ifindex = 0;
    bool ingress = false;           // BPF_F_INGRESS
    std::vector<uint8_t> bytes{};   // the packet as it was at the call
};

// What the embedder knows about the packet; written into the __sk_buff fields.
struct SkbMetadata {
    uint32_t ifindex = 0;
    uint32_t ingress_ifindex = 0;
    uint32_t pkt_type = 0;       // PACKET_HOST, ...
    uint32_t mark = 0;
    uint32_t priority = 0;
    uint32_t queue_mapping = 0;
    uint32_t hash = 0;
    uint32_t tc_index = 0;
    uint32_t napi_id = 0;
    // skb->tstamp in ns (0: none). tc programs read it and may set it (a departure time for
    // EDT pacing); read SkbPacket::tstamp() after the run.
    uint64_t tstamp = 0;
    bool vlan_present = false;   // a tag the "driver" stripped
    uint16_t vlan_tci = 0;
    uint16_t vlan_proto = 0;     // network byte order, as the kernel stores it
    // skb->protocol in network byte order; 0 = take the Ethernet type from bytes 12-13.
    uint16_t protocol = 0;
    // Bytes reachable by direct packet access; 0 = the whole packet.
    uint32_t linear_length = 0;
    // skb->hash is a valid L4/software hash (bpf_get_hash_recalc returns it as is);
    // false: recalc computes a flow hash. A non-zero `hash` is taken as valid.
    std::optional<bool> hash_valid{};
    std::optional<SkbSocket> socket{}; // skb->sk
    std::optional<TunnelInfo> tunnel{}; // received tunnel metadata
    uint32_t route_realm = 0;          // dst->tclassid (bpf_get_route_realm)
    // Offset of the network header from the MAC header (skb_mac_header_len).
    uint32_t mac_header_length = 14;
};

// The skb's receive checksum state (skb->ip_summed): NONE; COMPLETE with the one's
// complement sum of the whole packet in csum (what bpf_csum_update and the
// BPF_F_RECOMPUTE_CSUM / BPF_F_PSEUDO_HDR flags maintain); or UNNECESSARY (the NIC
// verified csum_level + 1 checksums; bpf_csum_level moves the level).
enum class ChecksumState : uint8_t { None, Complete, Unnecessary };

class SkbPacket {
public:
    static constexpr uint32_t kHeadroom = 256;
    static constexpr uint32_t kDefaultCapacity = 4096;

    explicit SkbPacket(uint32_t capacity = kDefaultCapacity);
    SkbPacket(SkbPacket&& other) noexcept;
    SkbPacket& operator=(SkbPacket&& other) noexcept;
    SkbPacket(const SkbPacket&) = delete;
    SkbPacket& operator=(const SkbPacket&) = delete;

    Result<void> load(std::span<const uint8_t> frame, const SkbMetadata& meta = {});

    SkbHostCtx* ctx() { return &ctx_; }
    uint64_t ctx_address() { return reinterpret_cast<uint64_t>(&ctx_); }
    static SkbPacket* from_ctx(uint64_t ctx) {
        return static_cast<SkbPacket*>(reinterpret_cast<SkbHostCtx*>(ctx)->ptr.owner);
    }

    // All `len` bytes (linear and not).
    std::span<uint8_t> bytes() { return {data(), len_}; }
    uint32_t length() const { return len_; }
    uint32_t linear_length() const { return uint32_t(ctx_.ptr.data_end - ctx_.ptr.data); }

    // LD_ABS / LD_IND (socket filters): the `size`-byte (1, 2 or 4) big-endian value at
    // `offset` bytes into the packet behind `ctx`, or nullopt when any byte lies outside
    // it; the program then ends with r0 = 0. The kernel's negative SKF_LL_OFF base
    // (-0x200000, "from the MAC header") is the packet start here; SKF_NET_OFF and other
    // negative offsets fail, since the network header's position is not tracked.
    static std::optional<uint32_t> load_abs(uint64_t ctx, int64_t offset, uint32_t size);

    // pskb_may_pull + unclone (bpf_try_make_writable): makes the first `len` bytes
    // linear. -ENOMEM if the packet is shorter.
    int make_writable(uint32_t len);

    ChecksumState checksum_state() const { return csum_state_; }
    uint32_t csum() const { return csum_; }
    void set_checksum_complete(uint32_t csum) { csum_state_ = ChecksumState::Complete, csum_ = csum; }
    void set_csum(uint32_t csum) { csum_ = csum; }
    static constexpr uint8_t kMaxCsumLevel = 3; // SKB_MAX_CSUM_LEVEL
    void set_checksum_unnecessary(uint8_t level) {
        csum_state_ = ChecksumState::Unnecessary, csum_level_ = level > kMaxCsumLevel ? kMaxCsumLevel : level;
    }
    void set_checksum_none() { csum_state_ = ChecksumState::None, csum_level_ = 0; }
    uint8_t csum_level() const { return csum_level_; }

    // skb->hash and whether it is a valid L4/software hash (skb->l4_hash | sw_hash).
    uint32_t hash() const { return ctx_.uapi.hash; }
    bool hash_valid() const { return hash_valid_; }
    void set_hash(uint32_t hash) { ctx_.uapi.hash = hash, hash_valid_ = true; } // __skb_set_sw_hash
    void clear_hash() { ctx_.uapi.hash = 0, hash_valid_ = false; }           // skb_clear_hash

    // The skb fields helpers change (the uapi ctx holds them, so programs read the
    // new values): skb->protocol and the offloaded VLAN tag, network byte order.
    uint16_t protocol() const { return uint16_t(ctx_.uapi.protocol); }
    void set_protocol(uint16_t be_proto) { ctx_.uapi.protocol = be_proto; }
    bool vlan_present() const { return ctx_.uapi.vlan_present != 0; }
    uint16_t vlan_tci() const { return uint16_t(ctx_.uapi.vlan_tci); }
    uint16_t vlan_proto() const { return uint16_t(ctx_.uapi.vlan_proto); }
    void set_vlan(uint16_t be_proto, uint16_t tci) {
        ctx_.uapi.vlan_present = 1, ctx_.uapi.vlan_proto = be_proto, ctx_.uapi.vlan_tci = tci;
    }
    void clear_vlan() { ctx_.uapi.vlan_present = 0, ctx_.uapi.vlan_proto = 0, ctx_.uapi.vlan_tci = 0; }
    uint32_t pkt_type() const { return ctx_.uapi.pkt_type; }
    void set_pkt_type(uint32_t t) { ctx_.uapi.pkt_type = t; }
    uint32_t ifindex() const { return ctx_.uapi.ifindex; }
    // skb->tstamp: as loaded, or what a tc program wrote to __sk_buff->tstamp.
    uint64_t tstamp() const { return ctx_.uapi.tstamp; }
    void set_tstamp(uint64_t ns) { ctx_.uapi.tstamp = ns; }

    // skb_mac_header_len: the network header's offset from data (the MAC header).
    uint32_t mac_header_length() const { return mac_len_; }
    void set_mac_header_length(uint32_t len) { mac_len_ = len; }
    // skb->encapsulation: bpf_skb_adjust_room added an outer header (ENCAP_L3 flags).
    bool encapsulation() const { return encapsulation_; }
    void set_encapsulation(bool on) { encapsulation_ = on; }

    // Resizing, with the buffer's fixed capacity as the only limit (-ENOMEM past it, as
    // an allocation failure in the kernel). All keep __sk_buff.len and the packet pointers
    // in step; bytes that appear are unspecified unless said otherwise.
    // __skb_push: `len` more bytes in front (moves the packet back if headroom is short).
    int push_head(uint32_t len);
    // __skb_pull: drop `len` bytes from the front (len <= length()).
    void pull_head(uint32_t len);
    // Grow (zero-filled) or trim the tail; the packet becomes linear (as the kernel's
    // change_tail linearises).
    int set_length(uint32_t new_len);

    const std::optional<SkbSocket>& socket() const { return socket_; }
    void set_socket(std::optional<SkbSocket> socket) { socket_ = socket; }
    // The socket bpf_sk_assign steered the packet to (skb->sk after skb_orphan; read it
    // after a tc run), one of the embedder's SocketTable sockets. load() clears it. While
    // set, bpf_get_socket_cookie answers its cookie instead of socket()'s.
    const std::shared_ptr<const Socket>& assigned_socket() const { return assigned_socket_; }
    void set_assigned_socket(std::shared_ptr<const Socket> sk) { assigned_socket_ = std::move(sk); }
    uint32_t route_realm() const { return route_realm_; }
    std::optional<TunnelInfo>& tunnel() { return tunnel_; }
    const std::optional<TunnelInfo>& tunnel() const { return tunnel_; }
    // Copies bpf_clone_redirect made during the last run, oldest first.
    std::span<const ClonedPacket> clones() const { return clones_; }
    void add_clone(ClonedPacket clone) { clones_.push_back(std::move(clone)); }

    // What an interpreter may touch: the uapi ctx, the (read-only) packet pointers after
    // it, and the whole buffer.
    std::array<MemoryRegion, 3> regions();

private:
    uint8_t* data() const { return reinterpret_cast<uint8_t*>(ctx_.ptr.data); }
    uint32_t head_offset() const { return uint32_t(data() - buf_.get()); }
    void set_window(uint8_t* start, uint32_t len, uint32_t linear);

    uint32_t capacity_;
    std::unique_ptr<uint8_t[]> buf_;
    uint32_t len_ = 0;
    ChecksumState csum_state_ = ChecksumState::None;
    uint32_t csum_ = 0;
    uint8_t csum_level_ = 0;
    bool hash_valid_ = false;
    uint32_t mac_len_ = 14;
    bool encapsulation_ = false;
    uint32_t route_realm_ = 0;
    std::optional<SkbSocket> socket_;
    std::shared_ptr<const Socket> assigned_socket_;
    std::optional<TunnelInfo> tunnel_;
    std::vector<ClonedPacket> clones_;
    SkbHostCtx ctx_{};
};

} // namespace ebpfjit

// The engines' names for them until the namespaces follow the folders (issue 15).
namespace ebpfjit::runtime {
using ebpfjit::SkbMetadata;
using ebpfjit::ChecksumState;
using ebpfjit::SkbPacket;
using ebpfjit::TunnelInfo;
using ebpfjit::SkbSocket;
using ebpfjit::ClonedPacket;
} // namespace ebpfjit::runtime
