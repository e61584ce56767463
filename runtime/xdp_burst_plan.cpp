#include "runtime/xdp_burst_plan.hpp"

#include <linux/bpf.h>

#include <algorithm>
#include <cstddef>
#include <variant>

namespace ebpfjit::runtime {

namespace {

using Bounds = XdpBurstPlan::Bounds;

// What the calls of the program may do with the packet's bounds (the strongest need).
Bounds call_needs(const isa::Call& call, const helpers::HelperTable& table) {
    if (call.kind == isa::CallKind::Local) return Bounds::None; // its accesses are in the facts
    if (call.kind != isa::CallKind::Helper) return Bounds::FrameAndBack; // kfunc: unknown
    const helpers::Helper* h = table.find(call.imm);
    if (h == nullptr || h->proto.tail_call) return Bounds::FrameAndBack; // the target may do anything
    if (h->changes_packet_data) return Bounds::FrameAndBack;
    const bool takes_ctx = std::ranges::find(h->proto.args, helpers::ArgType::PtrToCtx) != h->proto.args.end();
    return takes_ctx ? Bounds::Frame : Bounds::None;
}

Bounds field_needs(const verifier::CtxAccess& access) {
    switch (access.field_offset) {
    case offsetof(xdp_md, data):
    case offsetof(xdp_md, data_end): return Bounds::Packet;
    case offsetof(xdp_md, data_meta): return Bounds::Frame;
    default: return Bounds::None; // the rx fields: written once per burst
    }
}

} // namespace

std::string_view to_string(XdpBurstPlan::Bounds bounds) {
    switch (bounds) {
    case Bounds::None: return "none";
    case Bounds::Packet: return "packet";
    case Bounds::Frame: return "frame";
    case Bounds::FrameAndBack: return "frame-and-back";
    }
    return "?";
}

XdpBurstPlan plan_xdp_burst(const isa::Program& program, const verifier::Facts& facts,
                            const helpers::HelperTable& helpers, bool fully_verified) {
    // Without the full verifier's facts a ctx access may have gone unrecorded.
    if (!fully_verified || facts.ctx_access.size() != program.size()) return XdpBurstPlan::general();
    Bounds need = Bounds::None;
    for (uint32_t pc = 0; pc < program.size() && need != Bounds::FrameAndBack; ++pc) {
        if (!facts.is_reachable(pc)) continue;
        const isa::Instruction& insn = program.insns[pc];
        if (const auto* call = std::get_if<isa::Call>(&insn)) need = std::max(need, call_needs(*call, helpers));
        else if (std::holds_alternative<isa::CallX>(insn)) need = Bounds::FrameAndBack; // any helper
        if (const verifier::CtxAccess* access = facts.ctx_access_at(pc)) need = std::max(need, field_needs(*access));
    }
    return XdpBurstPlan{need};
}

} // namespace ebpfjit::runtime
