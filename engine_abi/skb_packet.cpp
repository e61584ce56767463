#include "engine_abi/skb_packet.hpp"

#include <linux/filter.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace ebpfjit::runtime {

SkbPacket::SkbPacket(uint32_t capacity)
    : capacity_(std::max(capacity, kHeadroom + 64)), buf_(new uint8_t[capacity_]()) {
    ctx_.ptr.owner = this;
    uint64_t start = reinterpret_cast<uint64_t>(buf_.get() + kHeadroom);
    ctx_.ptr.data = ctx_.ptr.data_end = ctx_.ptr.data_meta = start;
}

SkbPacket::SkbPacket(SkbPacket&& o) noexcept
    : capacity_(o.capacity_), buf_(std::move(o.buf_)), len_(o.len_), csum_state_(o.csum_state_),
      csum_(o.csum_), ctx_(o.ctx_), socket_(std::move(o.socket_)) {
    ctx_.ptr.owner = this;
}

SkbPacket& SkbPacket::operator=(SkbPacket&& o) noexcept {
    capacity_ = o.capacity_;
    buf_ = std::move(o.buf_);
    len_ = o.len_;
    csum_state_ = o.csum_state_;
    csum_ = o.csum_;
    ctx_ = o.ctx_;
    ctx_.ptr.owner = this;
    socket_ = std::move(o.socket_);
    return *this;
}

Result<void> SkbPacket::load(std::span<const uint8_t> frame, const SkbMetadata& m) {
    if (frame.size() > capacity_ - kHeadroom)
        return fail(Error::plain(fmt::format("frame of {} bytes does not fit an skb of {} bytes",
                                             frame.size(), capacity_ - kHeadroom)));
    uint8_t* start = buf_.get() + kHeadroom;
    std::copy(frame.begin(), frame.end(), start); // (memcpy from an empty span's nullptr is UB)
    len_ = uint32_t(frame.size());
    const uint32_t linear = m.linear_length ? std::min(m.linear_length, len_) : len_;
    ctx_.ptr.data = ctx_.ptr.data_meta = reinterpret_cast<uint64_t>(start);
    ctx_.ptr.data_end = reinterpret_cast<uint64_t>(start + linear);
    csum_state_ = ChecksumState::None;
    csum_ = 0;
    socket_.reset();

    __sk_buff& u = ctx_.uapi;
    u = __sk_buff{};
    u.len = len_;
    u.wire_len = len_;
    u.pkt_type = m.pkt_type;
    u.mark = m.mark;
    u.queue_mapping = m.queue_mapping;
    u.vlan_present = m.vlan_present;
    u.vlan_tci = m.vlan_tci;
    u.vlan_proto = m.vlan_proto;
    u.priority = m.priority;
    u.ingress_ifindex = m.ingress_ifindex;
    u.ifindex = m.ifindex;
    u.tc_index = m.tc_index;
    u.hash = m.hash;
    u.napi_id = m.napi_id;
    uint16_t proto = m.protocol;
    if (proto == 0 && len_ >= 14) std::memcpy(&proto, start + 12, 2); // eth_type_trans
    u.protocol = proto;
    return {};
}

int SkbPacket::make_writable(uint32_t len) {
    if (len > len_) return -ENOMEM;
    if (len > linear_length()) ctx_.ptr.data_end = ctx_.ptr.data + len;
    return 0;
}

std::optional<uint32_t> SkbPacket::load_abs(uint64_t ctx, int64_t offset, uint32_t size) {
    if (offset < 0) {
        if (offset >= SKF_NET_OFF || offset < SKF_LL_OFF) return std::nullopt;
        offset -= SKF_LL_OFF;
    }
    const SkbPacket& skb = *from_ctx(ctx);
    if (size != 1 && size != 2 && size != 4) return std::nullopt;
    if (uint64_t(offset) + size > skb.len_) return std::nullopt;
    const uint8_t* p = skb.data() + offset;
    uint32_t v = 0;
    for (uint32_t i = 0; i < size; ++i) v = (v << 8) | p[i];
    return v;
}

std::array<MemoryRegion, 3> SkbPacket::regions() {
    return {MemoryRegion{ctx_address(), sizeof(ctx_.uapi), true},
            MemoryRegion{reinterpret_cast<uint64_t>(&ctx_.ptr), 3 * sizeof(uint64_t), false},
            MemoryRegion{reinterpret_cast<uint64_t>(buf_.get()), capacity_, true}};
}

} // namespace ebpfjit::runtime
