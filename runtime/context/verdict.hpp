// What a packet program's r0 means, per program type, with the redirect target the
// helpers recorded during the run (ExecutionState::redirect).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "engine_abi/execution_state.hpp"

namespace ebpfjit::runtime {

// XDP: enum xdp_action. A value above XDP_REDIRECT, or XDP_REDIRECT with no target set by
// bpf_redirect / bpf_redirect_map, is treated as XDP_ABORTED, as the kernel drops such
// frames with an xdp_exception trace.
enum class XdpAction : uint32_t { Aborted = 0, Drop = 1, Pass = 2, Tx = 3, Redirect = 4 };

struct XdpVerdict {
    XdpAction action = XdpAction::Aborted;
    uint32_t returned = 0;     // r0 as the program returned it
    RedirectDecision redirect; // meaningful when action == Redirect
};

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
std::string_view to_string(XdpAction action); // "XDP_PASS", ...

// tc / sched_cls in direct-action mode: r0 is a TC_ACT_* code (an int).
enum class TcOutcome : uint8_t {
    Pass,     // TC_ACT_OK, TC_ACT_RECLASSIFY, TC_ACT_PIPE, TC_ACT_UNSPEC and unknown codes
    Drop,     // TC_ACT_SHOT
    Consumed, // TC_ACT_STOLEN, TC_ACT_QUEUED, TC_ACT_TRAP
    Redirect, // TC_ACT_REDIRECT with a target from bpf_redirect; without one the kernel drops
};

struct TcVerdict {
    int32_t code = 0;          // TC_ACT_* as returned
    TcOutcome outcome = TcOutcome::Pass;
    RedirectDecision redirect; // meaningful when outcome == Redirect (flags: BPF_F_INGRESS)
};

TcVerdict tc_verdict(uint64_t r0, const RedirectDecision& redirect);

// Socket filter: r0 is the number of bytes to keep (u32); 0 drops, more than the packet
// keeps it whole (sk_filter_trim_cap).
uint32_t socket_filter_keep_bytes(uint64_t r0, uint32_t packet_length);

} // namespace ebpfjit::runtime
