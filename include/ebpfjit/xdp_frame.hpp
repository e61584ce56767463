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
//
// A frame may instead borrow the embedder's buffer (XdpFrame::borrowing(), attach():
// ebpfjit/xdp_buffer.hpp): no allocation, no copy; the program runs on the embedder's
// bytes and the adjust helpers move the bounds within that buffer, whose whole capacity
// is room (it holds neither xdp_frame nor skb_shared_info). Program::run_xdp_burst over
// XdpBuffers keeps one borrowing frame per burst and points it at each buffer in turn.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <span>

#include "ebpfjit/error.hpp"
#include "ebpfjit/host_ctx.hpp"
#include "ebpfjit/memory_region.hpp"
#include "ebpfjit/xdp_buffer.hpp"

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

    // A frame over the embedder's buffers: allocates nothing and holds no packet until
    // attach() points it at one.
    static XdpFrame borrowing() { return XdpFrame(Borrow{}); }
    bool borrows() const { return buf_ == nullptr; }

    // Copies `packet` in at XDP_PACKET_HEADROOM, with no metadata. Fails if it does not fit
    // between the headroom and the tail reserve, and on a borrowing frame (nothing to copy
    // into: attach it to the embedder's buffer instead).
    Result<void> load(std::span<const uint8_t> packet, const XdpRxInfo& rx = {});

    // Borrowing frames: runs now see `buffer` in place (it must outlive them); fails if
    // its fields contradict each other (see valid()) or the frame owns a buffer. After a
    // run, sync() writes the packet's bounds as the program left them back into it.
    Result<void> attach(XdpBuffer& buffer, const XdpRxInfo& rx = {});
    void sync() const {
        if (view_ != nullptr) store_bounds(*view_);
    }
    // What attach() accepts: a buffer, the packet inside it, the metadata inside the
    // headroom, at most 32 bytes of it in multiples of 4.
    // Few branches for a burst's per-frame check: the conditions are or-ed, not chained, and
    // "a multiple of 4, at most 32" is one compare (rotating right by 2 moves any low bit to
    // the top, so only 0, 4, ..., 32 come out at most 8).
    static bool valid(const XdpBuffer& b) {
        static_assert(kMaxMetaLen == 32);
        const bool bad = (b.base == nullptr) | (uint64_t(b.headroom) + b.length > b.capacity) |
                         (b.meta_length > b.headroom) | (std::rotr(b.meta_length, 2) > kMaxMetaLen / 4);
        return !bad;
    }
    // Why `b` is not valid() (the burst's error, out of line).
    static Error invalid(const XdpBuffer& b);
    // The per-frame part of attach() for a burst that checked valid(b) and set the rx
    // fields once: the view and the three packet pointers, nothing else.
    void point_at(XdpBuffer& b) {
        view_ = &b;
        uint8_t* const d = b.base + b.headroom;
        ctx_.ptr.data_meta = reinterpret_cast<uint64_t>(d - b.meta_length);
        ctx_.ptr.data = reinterpret_cast<uint64_t>(d);
        ctx_.ptr.data_end = reinterpret_cast<uint64_t>(d + b.length);
    }
    // Less of point_at, for a burst whose program reads ctx->data and ctx->data_end and
    // nothing else of the frame (runtime/xdp_burst_plan.hpp): those two pointers only. The
    // view and data_meta keep what they held; the adjust helpers must not run on it.
    void point_packet_at(const XdpBuffer& b) {
        uint8_t* const d = b.base + b.headroom;
        ctx_.ptr.data = reinterpret_cast<uint64_t>(d);
        ctx_.ptr.data_end = reinterpret_cast<uint64_t>(d + b.length);
    }
    // The packet's bounds as the program left them, into `b` (the buffer point_at took).
    void store_bounds(XdpBuffer& b) const {
        b.headroom = uint32_t(ctx_.ptr.data - reinterpret_cast<uint64_t>(b.base));
        b.length = uint32_t(ctx_.ptr.data_end - ctx_.ptr.data);
        b.meta_length = uint32_t(ctx_.ptr.data - ctx_.ptr.data_meta);
    }
    void set_rx(const XdpRxInfo& rx) {
        ctx_.uapi.ingress_ifindex = rx.ingress_ifindex;
        ctx_.uapi.rx_queue_index = rx.rx_queue_index;
        ctx_.uapi.egress_ifindex = rx.egress_ifindex;
    }

    // The program's r1.
    XdpHostCtx* ctx() { return &ctx_; }
    uint64_t ctx_address() { return reinterpret_cast<uint64_t>(&ctx_); }
    static XdpFrame* from_ctx(uint64_t ctx) {
        return static_cast<XdpFrame*>(reinterpret_cast<XdpHostCtx*>(ctx)->ptr.owner);
    }

    std::span<uint8_t> packet() { return {data(), data_end()}; }
    std::span<uint8_t> metadata() { return {data_meta(), data()}; }
    uint32_t length() const { return uint32_t(ctx_.ptr.data_end - ctx_.ptr.data); }
    uint32_t frame_size() const { return view_ != nullptr ? view_->capacity : frame_size_; } // buffer bytes
    uint32_t headroom() const { return uint32_t(data_meta() - hard_start()); }
    uint32_t tailroom() const { return uint32_t(hard_end() - data_end()); }

    // The kernel's helpers, same limits and errors (0 or -errno).
    int adjust_head(int32_t delta); // bpf_xdp_adjust_head: -EINVAL
    int adjust_meta(int32_t delta); // bpf_xdp_adjust_meta: -EINVAL, -EACCES
    int adjust_tail(int32_t delta); // bpf_xdp_adjust_tail: -EINVAL

    // What an interpreter may touch: the uapi ctx, the (read-only) packet pointers after
    // it, and the whole frame buffer (a borrowing frame: the embedder's buffer).
    std::array<MemoryRegion, 3> regions();

private:
    struct Borrow {};
    explicit XdpFrame(Borrow);

    // The buffer, and the bounds the adjust helpers keep the packet within: an owned
    // buffer keeps the kernel's reserves at both ends, a borrowed one has none.
    // (A borrowing frame not yet attached has no buffer: all three are null, and every
    // adjustment fails.)
    uint8_t* hard_start() const { return view_ != nullptr ? view_->base : buf_.get(); }
    uint8_t* room_start() const {
        if (view_ != nullptr) return view_->base;
        return buf_ ? buf_.get() + kFrameReserve : nullptr;
    }
    uint8_t* hard_end() const {
        if (view_ != nullptr) return view_->base + view_->capacity;
        return buf_ ? buf_.get() + frame_size_ - kTailReserve : nullptr;
    }
    uint8_t* data() const { return reinterpret_cast<uint8_t*>(ctx_.ptr.data); }
    uint8_t* data_end() const { return reinterpret_cast<uint8_t*>(ctx_.ptr.data_end); }
    uint8_t* data_meta() const { return reinterpret_cast<uint8_t*>(ctx_.ptr.data_meta); }
    void set(uint8_t* meta, uint8_t* data, uint8_t* end);

    uint32_t frame_size_;
    std::unique_ptr<uint8_t[]> buf_; // null: a borrowing frame
    XdpBuffer* view_ = nullptr;      // the embedder's buffer a borrowing frame is attached to
    XdpHostCtx ctx_{};
};

} // namespace ebpfjit

// The engines' names for them until the namespaces follow the folders (issue 15).
namespace ebpfjit::runtime {
using ebpfjit::XdpRxInfo;
using ebpfjit::XdpFrame;
} // namespace ebpfjit::runtime
