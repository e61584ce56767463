// What a zero-copy XDP burst must do per frame for one program, decided once when the
// program is prepared (issue 18 item 4). The general loop points the borrowing frame at
// each buffer (its view and all three packet pointers) and writes the bounds back after
// the run; a program that cannot see or move them needs less:
//
//   None         reads no packet pointer and hands the ctx to no helper: nothing per frame
//   Packet       reads ctx->data / ctx->data_end only: those two pointers
//   Frame        reads data_meta too, or hands the ctx to a helper (which may read the
//                bounds or reach the buffer through the frame): the view and all three
//   FrameAndBack may move the bounds (a packet-changing helper: adjust_head/meta/tail):
//                the Frame stores, and the bounds written back into the buffer
//
// What the code reads is the verifier's (Facts::ctx_access, the fields its ctx accesses
// touch); what a call may do is the helper table's (changes_packet_data, PtrToCtx
// arguments). Anything not known exactly (a program verified only structurally, a tail
// call, a kfunc, callx, a helper missing from the table) gets FrameAndBack: the general
// loop. The rx fields of the ctx are the burst's own and are written once per burst.
#pragma once

#include <cstdint>
#include <string_view>

#include "helpers/helper_table.hpp"
#include "isa/instruction.hpp"
#include "verifier/facts.hpp"

namespace ebpfjit::runtime {

struct XdpBurstPlan {
    enum class Bounds : uint8_t { None, Packet, Frame, FrameAndBack };
    Bounds bounds = Bounds::FrameAndBack; // the general loop

    static XdpBurstPlan general() { return {}; }
    bool operator==(const XdpBurstPlan&) const = default;
};

std::string_view to_string(XdpBurstPlan::Bounds bounds);

// The plan for an XDP program (`program` as the verifier read it, with its `facts`);
// `fully_verified`: Facts::ctx_access holds every ctx access (VerifyLevel::Full).
XdpBurstPlan plan_xdp_burst(const isa::Program& program, const verifier::Facts& facts,
                            const helpers::HelperTable& helpers, bool fully_verified);

} // namespace ebpfjit::runtime
