#include "runtime/context/verdict.hpp"

#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <algorithm>

namespace ebpfjit {

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

} // namespace ebpfjit

namespace ebpfjit::runtime {

static_assert(uint32_t(XdpAction::Aborted) == XDP_ABORTED && uint32_t(XdpAction::Drop) == XDP_DROP &&
              uint32_t(XdpAction::Pass) == XDP_PASS && uint32_t(XdpAction::Tx) == XDP_TX &&
              uint32_t(XdpAction::Redirect) == XDP_REDIRECT);

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
