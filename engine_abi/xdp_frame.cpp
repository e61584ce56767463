#include "ebpfjit/xdp_frame.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace ebpfjit {

XdpFrame::XdpFrame(uint32_t frame_size)
    : frame_size_(std::max(frame_size, kHeadroom + kTailReserve + kEthHeaderLen)),
      buf_(new uint8_t[frame_size_]()) {
    ctx_.ptr.owner = this;
    uint8_t* start = hard_start() + kHeadroom;
    set(start, start, start);
}

XdpFrame::XdpFrame(Borrow) : frame_size_(0) { ctx_.ptr.owner = this; }

XdpFrame::XdpFrame(XdpFrame&& other) noexcept
    : frame_size_(other.frame_size_), buf_(std::move(other.buf_)), view_(other.view_), ctx_(other.ctx_) {
    ctx_.ptr.owner = this;
}

XdpFrame& XdpFrame::operator=(XdpFrame&& other) noexcept {
    frame_size_ = other.frame_size_;
    buf_ = std::move(other.buf_);
    view_ = other.view_;
    ctx_ = other.ctx_;
    ctx_.ptr.owner = this;
    return *this;
}

void XdpFrame::set(uint8_t* meta, uint8_t* d, uint8_t* end) {
    ctx_.ptr.data_meta = reinterpret_cast<uint64_t>(meta);
    ctx_.ptr.data = reinterpret_cast<uint64_t>(d);
    ctx_.ptr.data_end = reinterpret_cast<uint64_t>(end);
}

namespace {
// Out of line: keeps the message's formatting off every frame's load.
[[gnu::cold, gnu::noinline]] Error too_large(size_t packet, uint32_t frame_size, size_t room) {
    return Error::plain(fmt::format("frame of {} bytes does not fit an XDP buffer of {} bytes ({} bytes of "
                                    "packet room)",
                                    packet, frame_size, room));
}
} // namespace

Result<void> XdpFrame::load(std::span<const uint8_t> packet, const XdpRxInfo& rx) {
    if (borrows()) [[unlikely]]
        return fail(Error::plain("this XdpFrame borrows the embedder's buffers: attach one instead of loading a copy"));
    const size_t room = size_t(hard_end() - (hard_start() + kHeadroom));
    if (packet.size() > room) [[unlikely]]
        return fail(too_large(packet.size(), frame_size_, room));
    uint8_t* start = hard_start() + kHeadroom;
    std::copy(packet.begin(), packet.end(), start); // (memcpy from an empty span's nullptr is UB)
    set(start, start, start + packet.size());
    set_rx(rx);
    return {};
}

Error XdpFrame::invalid(const XdpBuffer& b) {
    if (b.base == nullptr) return Error::plain("the XdpBuffer has no base");
    if (uint64_t(b.headroom) + b.length > b.capacity)
        return Error::plain(fmt::format("the XdpBuffer's packet (headroom {} + length {}) overruns its capacity of {} bytes",
                                        b.headroom, b.length, b.capacity));
    if (b.meta_length > b.headroom)
        return Error::plain(fmt::format("the XdpBuffer's metadata ({} bytes) is larger than its headroom ({} bytes)",
                                        b.meta_length, b.headroom));
    return Error::plain(fmt::format("the XdpBuffer's metadata is {} bytes; XDP metadata is at most {} bytes, a "
                                    "multiple of 4",
                                    b.meta_length, kMaxMetaLen));
}

Result<void> XdpFrame::attach(XdpBuffer& buffer, const XdpRxInfo& rx) {
    if (!borrows()) return fail(Error::plain("this XdpFrame owns its buffer: load a packet into it instead"));
    if (!valid(buffer)) return fail(invalid(buffer));
    point_at(buffer);
    set_rx(rx);
    return {};
}

// bpf_xdp_adjust_head (net/core/filter.c): the metadata moves along with data.
int XdpFrame::adjust_head(int32_t delta) {
    if (hard_start() == nullptr) return -EINVAL; // a borrowing frame not attached
    const size_t metalen = size_t(data() - data_meta());
    uint8_t* const data_start = room_start() + metalen;
    // Compare as integers: an out-of-buffer pointer must never be formed.
    const int64_t new_off = int64_t(data() - hard_start()) + delta;
    if (new_off < int64_t(data_start - hard_start()) ||
        new_off > int64_t(data_end() - hard_start()) - int64_t(kEthHeaderLen))
        return -EINVAL;
    uint8_t* new_data = hard_start() + new_off;
    if (metalen) std::memmove(data_meta() + delta, data_meta(), metalen);
    set(data_meta() + delta, new_data, data_end());
    return 0;
}

// bpf_xdp_adjust_meta: the area between data_meta and data, at most 32 bytes, 4-aligned.
int XdpFrame::adjust_meta(int32_t delta) {
    if (hard_start() == nullptr) return -EINVAL; // a borrowing frame not attached
    const int64_t new_off = int64_t(data_meta() - hard_start()) + delta;
    if (new_off < int64_t(room_start() - hard_start()) || new_off > int64_t(data() - hard_start())) return -EINVAL;
    const int64_t metalen = int64_t(data() - hard_start()) - new_off;
    if ((metalen & 3) != 0 || metalen > int64_t(kMaxMetaLen)) return -EACCES;
    set(hard_start() + new_off, data(), data_end());
    return 0;
}

// bpf_xdp_adjust_tail: grown bytes are zeroed, as the kernel does.
int XdpFrame::adjust_tail(int32_t delta) {
    if (hard_start() == nullptr) return -EINVAL; // a borrowing frame not attached
    const int64_t new_end = int64_t(data_end() - hard_start()) + delta;
    if (new_end > int64_t(hard_end() - hard_start())) return -EINVAL;
    if (new_end < int64_t(data() - hard_start()) + int64_t(kEthHeaderLen)) return -EINVAL;
    if (delta > 0) std::memset(data_end(), 0, size_t(delta));
    set(data_meta(), data(), hard_start() + new_end);
    return 0;
}

std::array<MemoryRegion, 3> XdpFrame::regions() {
    return {MemoryRegion{ctx_address(), sizeof(ctx_.uapi), false},
            MemoryRegion{reinterpret_cast<uint64_t>(&ctx_.ptr), 3 * sizeof(uint64_t), false},
            MemoryRegion{reinterpret_cast<uint64_t>(hard_start()), frame_size(), true}};
}

} // namespace ebpfjit
