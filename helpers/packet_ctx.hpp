// The packet object behind a helper's ctx argument. The verifier guarantees a packet
// helper gets the run's own ctx; the interpreter also runs unverified programs, so when a
// run is active the argument is checked against it (and the program type) instead of
// being trusted: a wrong pointer is an error value, not a wild dereference.
#pragma once

#include <cstdint>

#include "ebpfjit/skb_packet.hpp"
#include "ebpfjit/xdp_frame.hpp"
#include "engine_abi/execution_state.hpp"

namespace ebpfjit::helpers {

inline bool is_run_ctx(uint64_t ctx, bool xdp) {
    const auto* st = engine_abi::ExecutionState::current();
    if (!st || !st->ctx) return ctx != 0; // called outside a run (embedder, tests)
    const bool type_ok = xdp ? st->type == ProgramType::Xdp
                             : (st->type == ProgramType::SchedCls || st->type == ProgramType::SocketFilter);
    return type_ok && reinterpret_cast<uint64_t>(st->ctx) == ctx;
}

inline runtime::XdpFrame* xdp_frame_of(uint64_t ctx) {
    return is_run_ctx(ctx, true) ? runtime::XdpFrame::from_ctx(ctx) : nullptr;
}

inline runtime::SkbPacket* skb_of(uint64_t ctx) {
    return is_run_ctx(ctx, false) ? runtime::SkbPacket::from_ctx(ctx) : nullptr;
}

} // namespace ebpfjit::helpers
