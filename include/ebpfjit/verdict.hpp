// What a packet program's run means to the embedder, per program type: the action or
// code it returned, and where the helpers asked the packet to go (bpf_redirect,
// bpf_redirect_map). runtime/context/verdict.hpp works them out from r0.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace ebpfjit::maps { class Map; }

namespace ebpfjit {

// tc redirect kinds beyond bpf_redirect's, as filter.c's internal ri->flags bits.
inline constexpr uint64_t kRedirectNeigh = 1ULL << 1;   // bpf_redirect_neigh: L2 filled in by the stack
inline constexpr uint64_t kRedirectPeer = 1ULL << 2;    // bpf_redirect_peer: to the device's peer, ingress
inline constexpr uint64_t kRedirectNexthop = 1ULL << 3; // bpf_redirect_neigh with a nexthop (below)

// Where bpf_redirect / bpf_redirect_map asked the packet to go; the kernel keeps the same
// thing per CPU (struct bpf_redirect_info). Read by the embedder after an XDP_REDIRECT or
// TC_ACT_REDIRECT verdict; reset at the start of each run.
struct RedirectDecision {
    bool set = false;
    uint32_t ifindex = 0;            // the port (for bpf_redirect_map: the DEVMAP slot's value)
    uint64_t flags = 0;              // BPF_F_INGRESS (tc); BPF_F_BROADCAST, BPF_F_EXCLUDE_INGRESS
    const maps::Map* map = nullptr;  // bpf_redirect_map: the DEVMAP, else nullptr
    uint32_t key = 0;                // bpf_redirect_map: the slot
    // bpf_redirect_neigh with params: the nexthop (struct bpf_redir_neigh; address in
    // network byte order, IPv4 in the first 4 bytes).
    uint32_t nh_family = 0;
    std::array<uint8_t, 16> nh_address{};
};

// XDP: enum xdp_action. A value above XDP_REDIRECT, or XDP_REDIRECT with no target set by
// bpf_redirect / bpf_redirect_map, is treated as XDP_ABORTED, as the kernel drops such
// frames with an xdp_exception trace.
enum class XdpAction : uint32_t { Aborted = 0, Drop = 1, Pass = 2, Tx = 3, Redirect = 4 };

struct XdpVerdict {
    XdpAction action = XdpAction::Aborted;
    uint32_t returned = 0;     // r0 as the program returned it
    RedirectDecision redirect; // meaningful when action == Redirect
};

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

} // namespace ebpfjit
