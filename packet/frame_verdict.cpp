#include "packet/frame_verdict.hpp"

#include <linux/pkt_cls.h>

namespace ebpfjit::packet {

namespace {

std::string_view tc_name(int32_t code) {
    switch (code) {
    case TC_ACT_UNSPEC: return "TC_ACT_UNSPEC";
    case TC_ACT_OK: return "TC_ACT_OK";
    case TC_ACT_RECLASSIFY: return "TC_ACT_RECLASSIFY";
    case TC_ACT_SHOT: return "TC_ACT_SHOT";
    case TC_ACT_PIPE: return "TC_ACT_PIPE";
    case TC_ACT_STOLEN: return "TC_ACT_STOLEN";
    case TC_ACT_QUEUED: return "TC_ACT_QUEUED";
    case TC_ACT_REPEAT: return "TC_ACT_REPEAT";
    case TC_ACT_REDIRECT: return "TC_ACT_REDIRECT";
    case TC_ACT_TRAP: return "TC_ACT_TRAP";
    default: return "TC_ACT_UNKNOWN"; // the kernel treats unknown codes as TC_ACT_OK
    }
}

} // namespace

FrameVerdict classify(const XdpVerdict& x, uint32_t frame_length) {
    FrameVerdict v;
    v.keep_bytes = frame_length;
    v.name = to_string(x.action);
    v.emitted = x.action == XdpAction::Pass || x.action == XdpAction::Tx;
    if (x.action == XdpAction::Redirect) v.redirect = x.redirect.ifindex;
    return v;
}

FrameVerdict classify(const TcVerdict& t, uint32_t frame_length) {
    FrameVerdict v;
    v.keep_bytes = frame_length;
    v.name = tc_name(t.code); // TC_ACT_REDIRECT without a target: dropped, not emitted
    v.emitted = t.outcome == TcOutcome::Pass;
    if (t.outcome == TcOutcome::Redirect) v.redirect = t.redirect.ifindex;
    return v;
}

FrameVerdict classify_socket_filter(uint32_t keep_bytes, uint32_t frame_length) {
    FrameVerdict v;
    v.keep_bytes = keep_bytes;
    v.name = keep_bytes == 0 ? "SOCKET_DROP" : keep_bytes < frame_length ? "SOCKET_TRIM" : "SOCKET_KEEP";
    v.emitted = keep_bytes > 0;
    return v;
}

} // namespace ebpfjit::packet
