// What a packet program's r0 means, per program type, with the redirect target the
// helpers recorded during the run (ExecutionState::redirect). The verdict types are the
// embedder's (ebpfjit/verdict.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "ebpfjit/verdict.hpp"
#include "engine_abi/execution_state.hpp"

namespace ebpfjit::runtime {

using ebpfjit::TcOutcome;
using ebpfjit::TcVerdict;
using ebpfjit::XdpAction;
using ebpfjit::XdpVerdict;

// Inline: a burst works it out for every frame.
inline XdpVerdict xdp_verdict(uint64_t r0, const RedirectDecision& redirect) {
    XdpVerdict v;
    v.returned = uint32_t(r0);
    switch (v.returned) {
    case uint32_t(XdpAction::Drop): v.action = XdpAction::Drop; break;
    case uint32_t(XdpAction::Pass): v.action = XdpAction::Pass; break;
    case uint32_t(XdpAction::Tx): v.action = XdpAction::Tx; break;
    case uint32_t(XdpAction::Redirect):
        v.action = redirect.set ? XdpAction::Redirect : XdpAction::Aborted;
        v.redirect = redirect;
        break;
    default: v.action = XdpAction::Aborted; break;
    }
    return v;
}

TcVerdict tc_verdict(uint64_t r0, const RedirectDecision& redirect);

// Socket filter: r0 is the number of bytes to keep (u32); 0 drops, more than the packet
// keeps it whole (sk_filter_trim_cap).
uint32_t socket_filter_keep_bytes(uint64_t r0, uint32_t packet_length);

} // namespace ebpfjit::runtime
