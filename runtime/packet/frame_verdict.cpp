#include "runtime/packet/frame_verdict.hpp"

#include <linux/pkt_cls.h>

#include "runtime/context/verdict.hpp"

namespace ebpfjit::runtime::packet {

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

FrameVerdict classify(ProgramType type, uint64_t r0, const RedirectDecision& redirect,
                      uint32_t frame_length) {
    FrameVerdict v;
    v.keep_bytes = frame_length;
    switch (type) {
    case ProgramType::Xdp: {
        const XdpVerdict x = xdp_verdict(r0, redirect);
        v.name = to_string(x.action);
        v.emitted = x.action == XdpAction::Pass || x.action == XdpAction::Tx;
        if (x.action == XdpAction::Redirect) v.redirect = x.redirect.ifindex;
        return v;
    }
    case ProgramType::SocketFilter: {
        v.keep_bytes = socket_filter_keep_bytes(r0, frame_length);
        v.name = v.keep_bytes == 0 ? "SOCKET_DROP"
                 : v.keep_bytes < frame_length ? "SOCKET_TRIM" : "SOCKET_KEEP";
        v.emitted = v.keep_bytes > 0;
        return v;
    }
    default: { // tc / sched_cls and the other skb programs
        const TcVerdict t = tc_verdict(r0, redirect);
        v.name = tc_name(t.code); // TC_ACT_REDIRECT without a target: dropped, not emitted
        v.emitted = t.outcome == TcOutcome::Pass;
        if (t.outcome == TcOutcome::Redirect) v.redirect = t.redirect.ifindex;
        return v;
    }
    }
}

} // namespace ebpfjit::runtime::packet
