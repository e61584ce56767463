#include "runtime/context/verdict.hpp"

#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <algorithm>

namespace ebpfjit::runtime {

XdpVerdict xdp_verdict(uint64_t r0, const RedirectDecision& redirect) {
    XdpVerdict v;
    v.returned = uint32_t(r0);
    switch (v.returned) {
    case XDP_DROP: v.action = XdpAction::Drop; break;
    case XDP_PASS: v.action = XdpAction::Pass; break;
    case XDP_TX: v.action = XdpAction::Tx; break;
    case XDP_REDIRECT:
        v.action = redirect.set ? XdpAction::Redirect : XdpAction::Aborted;
        v.redirect = redirect;
        break;
    default: v.action = XdpAction::Aborted; break;
    }
    return v;
}

std::string_view to_string(XdpAction action) {
    switch (action) {
    case XdpAction::Aborted: return "XDP_ABORTED";
    case XdpAction::Drop: return "XDP_DROP";
    case XdpAction::Pass: return "XDP_PASS";
    case XdpAction::Tx: return "XDP_TX";
    case XdpAction::Redirect: return "XDP_REDIRECT";
    }
    return "XDP_ABORTED";
}

TcVerdict tc_verdict(uint64_t r0, const RedirectDecision& redirect) {
    TcVerdict v;
    v.code = int32_t(uint32_t(r0));
    switch (v.code) {
    case TC_ACT_SHOT: v.outcome = TcOutcome::Drop; break;
    case TC_ACT_STOLEN:
    case TC_ACT_QUEUED:
    case TC_ACT_TRAP: v.outcome = TcOutcome::Consumed; break;
    case TC_ACT_REDIRECT:
        v.outcome = redirect.set ? TcOutcome::Redirect : TcOutcome::Drop;
        v.redirect = redirect;
        break;
    default: v.outcome = TcOutcome::Pass; break;
    }
    return v;
}

uint32_t socket_filter_keep_bytes(uint64_t r0, uint32_t packet_length) {
    return std::min(uint32_t(r0), packet_length);
}

} // namespace ebpfjit::runtime
