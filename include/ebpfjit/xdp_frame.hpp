// An XDP frame: one packet in a buffer laid out like the kernel's xdp_buff, plus the host
// ctx (ebpfjit/host_ctx.hpp) a program gets in r1. bpf_xdp_adjust_head/meta/tail move the
// pointers inside the buffer with the kernel's limits:
//
//  hard_start                                                          hard_start+frame_size
//  |<-xdp_frame->|<-- free headroom -->|meta|data ............ data_end|<-tailroom->|<-shinfo->|
//  |  40 bytes   |                     |    |                          |            | 320 bytes |
//  |<------------ XDP_PACKET_HEADROOM (256) --->|   (at load time, without metadata)
//
// As in the kernel, the first 40 bytes (sizeof(struct xdp_frame)) and the last 320 bytes
// (SKB_DATA_ALIGN(sizeof(struct skb_shared_info))) are never packet data, so a program
// sees the same room to grow as on a kernel driver with a frame of `frame_size` bytes.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include "ebpfjit/error.hpp"
#include "ebpfjit/host_ctx.hpp"
#include "ebpfjit/memory_region.hpp"

namespace ebpfjit {

// What the embedder knows about where the frame came from.
struct XdpRxInfo {
    uint32_t ingress_ifindex = 0;
    uint32_t rx_queue_index = 0;
    uint32_t egress_ifindex = 0; // devmap programs
};

class XdpFrame {
public:
    static constexpr uint32_t kHeadroom = XDP_PACKET_HEADROOM;
    static constexpr uint32_t kFrameReserve = 40;   // sizeof(struct xdp_frame) on 64-bit
    static constexpr uint32_t kTailReserve = 320;   // SKB_DATA_ALIGN(sizeof(skb_shared_info))
    static constexpr uint32_t kEthHeaderLen = 14;   // ETH_HLEN: the smallest frame after adjusts
    static constexpr uint32_t kMaxMetaLen = 32;     // xdp_metalen_invalid(): <= 32, multiple of 4
    static constexpr uint32_t kDefaultFrameSize = 4096; // one page per frame, as most drivers

    explicit XdpFrame(uint32_t frame_size = kDefaultFrameSize);
    XdpFrame(XdpFrame&& other) noexcept;
    XdpFrame& operator=(XdpFrame&& other) noexcept;
    XdpFrame(const XdpFrame&) = delete;
    XdpFrame& operator=(const XdpFrame&) = delete;

    // Copies `packet` in at XDP_PACKET_HEADROOM, with no metadata. Fails if it does not fit
    // between the headroom and the tail reserve.
    Result<void> load(std::span<const uint8_t> packet, const XdpRxInfo& rx = {});

    // The program's r1.
    XdpHostCtx* ctx() { return &ctx_; }
    uint64_t ctx_address() { return reinterpret_cast<uint64_t>(&ctx_); }
    static XdpFrame* from_ctx(uint64_t ctx) {
        return static_cast<XdpFrame*>(reinterpret_cast<XdpHostCtx*>(ctx)->ptr.owner);
    }

    std::span<uint8_t> packet() { return {data(), data_end()}; }
    std::span<uint8_t> metadata() { return {data_meta(), data()}; }
    uint32_t length() const { return uint32_t(ctx_.ptr.data_end - ctx_.ptr.data); }
    uint32_t frame_size() const { return frame_size_; }
    uint32_t headroom() const { return uint32_t(data_meta() - hard_start()); }
    uint32_t tailroom() const { return uint32_t(hard_end() - data_end()); }

    // The kernel's helpers, same limits and errors (0 or -errno).
    int adjust_head(int32_t delta); // bpf_xdp_adjust_head: -EINVAL
    int adjust_meta(int32_t delta); // bpf_xdp_adjust_meta: -EINVAL, -EACCES
    int adjust_tail(int32_t delta); // bpf_xdp_adjust_tail: -EINVAL

    // What an interpreter may touch: the uapi ctx, the (read-only) packet pointers after
    // it, and the whole frame buffer.
    std::array<MemoryRegion, 3> regions();

private:
    uint8_t* hard_start() const { return buf_.get(); }
    uint8_t* hard_end() const { return buf_.get() + frame_size_ - kTailReserve; }
    uint8_t* data() const { return reinterpret_cast<uint8_t*>(ctx_.ptr.data); }
    uint8_t* data_end() const { return reinterpret_cast<uint8_t*>(ctx_.ptr.data_end); }
    uint8_t* data_meta() const { return reinterpret_cast<uint8_t*>(ctx_.ptr.data_meta); }
    void set(uint8_t* meta, uint8_t* data, uint8_t* end);

    uint32_t frame_size_;
    std::unique_ptr<uint8_t[]> buf_;
    XdpHostCtx ctx_{};
};

} // namespace ebpfjit

// The engines' names for them until the namespaces follow the folders (issue 15).
namespace ebpfjit::runtime {
using ebpfjit::XdpRxInfo;
using ebpfjit::XdpFrame;
} // namespace ebpfjit::runtime
