#include "ebpfjit/skb_packet.hpp"

#include <linux/filter.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace ebpfjit {

SkbPacket::SkbPacket(uint32_t capacity)
    : capacity_(std::max(capacity, kHeadroom + 64)), buf_(new uint8_t[capacity_]()) {
    ctx_.ptr.owner = this;
    uint64_t start = reinterpret_cast<uint64_t>(buf_.get() + kHeadroom);
    ctx_.ptr.data = ctx_.ptr.data_end = ctx_.ptr.data_meta = start;
}

SkbPacket::SkbPacket(SkbPacket&& o) noexcept : capacity_(o.capacity_) { *this = std::move(o); }

SkbPacket& SkbPacket::operator=(SkbPacket&& o) noexcept {
    capacity_ = o.capacity_;
    buf_ = std::move(o.buf_); // the heap buffer keeps its address: data pointers stay valid
    len_ = o.len_;
    csum_state_ = o.csum_state_;
    csum_ = o.csum_;
    csum_level_ = o.csum_level_;
    hash_valid_ = o.hash_valid_;
    mac_len_ = o.mac_len_;
    encapsulation_ = o.encapsulation_;
    route_realm_ = o.route_realm_;
    socket_ = std::move(o.socket_);
    assigned_socket_ = std::move(o.assigned_socket_);
    tunnel_ = std::move(o.tunnel_);
    clones_ = std::move(o.clones_);
    ctx_ = o.ctx_;
    ctx_.ptr.owner = this;
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
    csum_level_ = 0;
    mac_len_ = m.mac_header_length;
    encapsulation_ = false;
    route_realm_ = m.route_realm;
    socket_ = m.socket;
    tunnel_ = m.tunnel;
    clones_.clear();
    hash_valid_ = m.hash_valid.value_or(m.hash != 0);
    assigned_socket_.reset();

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
    u.tstamp = m.tstamp;
    uint16_t proto = m.protocol;
    if (proto == 0 && len_ >= 14) std::memcpy(&proto, start + 12, 2); // eth_type_trans
    u.protocol = proto;
    return {};
}

void SkbPacket::set_window(uint8_t* start, uint32_t len, uint32_t linear) {
    len_ = len;
    ctx_.uapi.len = len;
    ctx_.ptr.data = ctx_.ptr.data_meta = reinterpret_cast<uint64_t>(start);
    ctx_.ptr.data_end = reinterpret_cast<uint64_t>(start + std::min(linear, len));
}

int SkbPacket::push_head(uint32_t len) {
    if (uint64_t(len_) + len > capacity_) return -ENOMEM;
    uint8_t* start = data();
    if (head_offset() < len) {
        // pskb_expand_head: move the packet back to make headroom.
        const uint32_t shift = std::min<uint32_t>(capacity_ - len_ - head_offset(), kHeadroom + len - head_offset());
        if (head_offset() + shift < len) return -ENOMEM;
        std::memmove(start + shift, start, len_);
        start += shift;
    }
    set_window(start - len, len_ + len, linear_length() + len);
    return 0;
}

void SkbPacket::pull_head(uint32_t len) {
    len = std::min(len, len_);
    const uint32_t linear = linear_length();
    set_window(data() + len, len_ - len, linear > len ? linear - len : 0);
}

int SkbPacket::set_length(uint32_t new_len) {
    if (uint64_t(head_offset()) + new_len > capacity_) return -ENOMEM;
    if (new_len > len_) std::memset(data() + len_, 0, new_len - len_);
    set_window(data(), new_len, new_len);
    return 0;
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

} // namespace ebpfjit
