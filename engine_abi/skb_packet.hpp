// A socket buffer for tc (sched_cls) and socket-filter programs: the packet bytes plus the
// documented `struct __sk_buff` subset (ctx_layout.hpp), host ctx in r1.
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

#include "ebpfjit/error.hpp"
#include "ebpfjit/socket_table.hpp"
#include "engine_abi/ctx_layout.hpp"
#include "engine_abi/memory_region.hpp"

namespace ebpfjit::runtime {

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
    bool vlan_present = false;   // a tag the "driver" stripped
    uint16_t vlan_tci = 0;
    uint16_t vlan_proto = 0;     // network byte order, as the kernel stores it
    // skb->protocol in network byte order; 0 = take the Ethernet type from bytes 12-13.
    uint16_t protocol = 0;
    // Bytes reachable by direct packet access; 0 = the whole packet.
    uint32_t linear_length = 0;
};

// The skb's receive checksum state (skb->ip_summed): NONE, or COMPLETE with the one's
// complement sum of the whole packet in csum (what bpf_csum_update and the
// BPF_F_RECOMPUTE_CSUM / BPF_F_PSEUDO_HDR flags maintain).
enum class ChecksumState : uint8_t { None, Complete };

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
    void clear_hash() { ctx_.uapi.hash = 0; }

    // skb->sk: the socket the packet belongs to (bpf_get_socket_cookie reads it), or the
    // one bpf_sk_assign steered it to (read it after a tc run). load() clears it; an
    // embedder may set it before the run (an egress packet's socket).
    const std::shared_ptr<const Socket>& socket() const { return socket_; }
    void set_socket(std::shared_ptr<const Socket> sk) { socket_ = std::move(sk); }

    // What an interpreter may touch: the uapi ctx, the (read-only) packet pointers after
    // it, and the whole buffer.
    std::array<MemoryRegion, 3> regions();

private:
    uint8_t* data() const { return reinterpret_cast<uint8_t*>(ctx_.ptr.data); }

    uint32_t capacity_;
    std::unique_ptr<uint8_t[]> buf_;
    uint32_t len_ = 0;
    ChecksumState csum_state_ = ChecksumState::None;
    uint32_t csum_ = 0;
    SkbHostCtx ctx_{};
    std::shared_ptr<const Socket> socket_;
};

} // namespace ebpfjit::runtime
