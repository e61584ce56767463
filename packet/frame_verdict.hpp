// What a packet program's typed verdict means for the frame it ran on, in the words a
// verdict summary uses ("XDP_PASS", "TC_ACT_SHOT", ...), and what happens to the frame next:
//
//   program type   emitted (--out)             redirected (--redirect-dir)
//   XDP            XDP_PASS, XDP_TX            XDP_REDIRECT to a port
//   tc             TC_ACT_OK and other passes  TC_ACT_REDIRECT to a port
//   socket filter  keep > 0: the first bytes   -
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "runtime/context/verdict.hpp"

namespace ebpfjit::packet {

struct FrameVerdict {
    std::string_view name;               // static storage
    bool emitted = false;                // goes to --out
    std::optional<uint32_t> redirect;    // port for --redirect-dir
    uint32_t keep_bytes = 0;             // bytes of the frame that go on (all unless trimmed)
};

FrameVerdict classify(const XdpVerdict& verdict, uint32_t frame_length);
FrameVerdict classify(const TcVerdict& verdict, uint32_t frame_length);
// Socket filters: `keep_bytes` from socket_filter_keep_bytes (at most frame_length).
FrameVerdict classify_socket_filter(uint32_t keep_bytes, uint32_t frame_length);

} // namespace ebpfjit::packet
