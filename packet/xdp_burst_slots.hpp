// Where a worker of the packet runner runs a capture's XDP frames: one zero-copy buffer
// (ebpfjit/xdp_buffer.hpp) per frame of a burst, in one allocation made once per worker.
//
// The capture's own bytes cannot be the buffers: its records lie back to back (no room in
// front of a packet for bpf_xdp_adjust_head/meta to grow into, none behind it for
// adjust_tail), and a program may rewrite its packet in place while --repeat replays the
// capture. So each frame is copied once into its slot (one memcpy, nothing allocated) and
// then run in place there, as an embedder's driver would hand over its own ring buffer.
//
// A slot is laid out as an owning XdpFrame's buffer of the same size (ebpfjit/xdp_frame.hpp),
// and the XdpBuffer describes only the part an owning frame lets a program reach:
//
//   slot                                                                     slot+slot_size
//   |<-40->|<------ 216 ------>|packet ...........|<--- tailroom --->|<-320->|
//          base                 base+headroom                         base+capacity
//
// so adjust_head/meta/tail succeed and fail exactly where they did on XdpFrame::load's
// frames, and slot k is reused by frame k of every burst as frames[k] was (bytes a program
// uncovers by growing the packet are what the slot held before, as they were).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

#include <fmt/format.h>

#include "ebpfjit/error.hpp"
#include "ebpfjit/xdp_buffer.hpp"
#include "ebpfjit/xdp_frame.hpp"

namespace ebpfjit::packet {

class XdpBurstSlots {
public:
    // `slot_size`: what an owning XdpFrame of the capture's largest frame would have
    // (at least kHeadroom + kTailReserve + ETH_HLEN).
    XdpBurstSlots(size_t slots, uint32_t slot_size)
        : slot_size_(slot_size), memory_(new uint8_t[slots * slot_size]()) {}

    // Copies `packet` into slot k and describes it in `buffer` (no metadata), or says why
    // it does not fit (as XdpFrame::load would).
    Result<void> fill(size_t k, std::span<const uint8_t> packet, XdpBuffer& buffer) {
        constexpr uint32_t kFront = XdpFrame::kFrameReserve;
        const uint32_t room = slot_size_ - XdpFrame::kHeadroom - XdpFrame::kTailReserve;
        if (packet.size() > room) [[unlikely]]
            return fail(Error::plain(fmt::format("frame of {} bytes does not fit an XDP buffer of {} bytes ({} bytes "
                                                 "of packet room)",
                                                 packet.size(), slot_size_, room)));
        uint8_t* const slot = memory_.get() + k * slot_size_;
        if (!packet.empty()) std::memcpy(slot + XdpFrame::kHeadroom, packet.data(), packet.size());
        buffer.base = slot + kFront;
        buffer.capacity = slot_size_ - kFront - XdpFrame::kTailReserve;
        buffer.headroom = XdpFrame::kHeadroom - kFront;
        buffer.length = uint32_t(packet.size());
        buffer.meta_length = 0;
        return {};
    }

private:
    uint32_t slot_size_;
    std::unique_ptr<uint8_t[]> memory_;
};

} // namespace ebpfjit::packet
