// Control-flow facts of the lowering: subprograms, labels, call depth.
#include <algorithm>

#include <fmt/format.h>

#include "isa/call_graph.hpp"
#include "jit/lowering_passes.hpp"

namespace ebpfjit::jit::detail {

namespace {

using namespace isa;

bool ends_subprogram(const Instruction& insn) {
    if (std::holds_alternative<Exit>(insn)) return true;
    if (const auto* j = std::get_if<Jump>(&insn)) return j->cond == Cond::Always;
    return false;
}

Result<std::vector<Subprogram>> subprogram_ranges(const Program& program) {
    std::vector<int32_t> starts = program.subprogram_starts;
    if (starts.empty() || starts.front() != 0) starts.insert(starts.begin(), 0);
    std::sort(starts.begin(), starts.end());
    starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
    std::vector<Subprogram> subs;
    for (size_t i = 0; i < starts.size(); ++i) {
        Subprogram s;
        s.start = starts[i];
        s.end = i + 1 < starts.size() ? starts[i + 1] : static_cast<int32_t>(program.size());
        if (s.start < 0 || s.start >= s.end)
            return fail(Error::at_insn(static_cast<uint32_t>(std::max(s.start, 0)),
                                       "subprogram start is outside the program"));
        subs.push_back(s);
    }
    return subs;
}

// A callback (LDDW src 4) runs in a frame above the subprogram that hands it to a helper:
// for frame counting and recursion it is a local call from the LDDW's subprogram (the
// kernel's verifier pushes the callback's frame at the helper call, in that subprogram).
Result<uint32_t> callback_subprogram(const std::vector<Subprogram>& subs, uint32_t pc, const LoadImm64& l) {
    const int64_t target = int64_t{pc} + 1 + l.imm;
    for (uint32_t s = 1; s < subs.size(); ++s)
        if (subs[s].start == target) return s;
    return fail(Error::at_insn(pc, fmt::format("LDDW code address {} is not a subprogram start", target)));
}

} // namespace

Result<void> analyse_control_flow(const isa::Program& program, const LoweringOptions& options,
                                  Lowered& out) {
    auto subs = subprogram_ranges(program);
    if (!subs) return fail(subs.error());
    out.subprograms = std::move(*subs);
    for (uint32_t s = 0; s < out.subprograms.size(); ++s) {
        const Subprogram& sub = out.subprograms[s];
        out.slots[static_cast<size_t>(sub.start)].label = true;
        for (int32_t pc = sub.start; pc < sub.end; ++pc) out.slots[static_cast<size_t>(pc)].subprogram = s;
    }

    // Jumps stay inside their subprogram; local calls land on a subprogram start.
    std::vector<std::vector<isa::CallEdge>> callees(out.subprograms.size());
    int64_t callback_pc = -1, packet_load_pc = -1;
    for (uint32_t pc = 0; pc < program.size(); ++pc) {
        const uint32_t sub = out.slots[pc].subprogram;
        if (const auto* j = std::get_if<Jump>(&program.insns[pc])) {
            if (j->target < 0 || static_cast<size_t>(j->target) >= program.size())
                return fail(Error::at_insn(pc, fmt::format("jump target {} is outside the program", j->target)));
            if (out.slots[static_cast<size_t>(j->target)].subprogram != sub)
                return fail(Error::at_insn(pc, fmt::format("jump to slot {} leaves its subprogram", j->target)));
            out.slots[static_cast<size_t>(j->target)].label = true;
        } else if (const auto* c = std::get_if<Call>(&program.insns[pc]); c && c->kind == CallKind::Local) {
            auto it = std::find_if(out.subprograms.begin(), out.subprograms.end(),
                                   [&](const Subprogram& s) { return s.start == c->target; });
            if (it == out.subprograms.end())
                return fail(Error::at_insn(pc, fmt::format("local call target {} is not a subprogram start", c->target)));
            callees[sub].push_back({static_cast<uint32_t>(it - out.subprograms.begin()), pc});
        } else if (const auto* l = std::get_if<LoadImm64>(&program.insns[pc]); l && l->kind == LddwKind::CodeAddr) {
            auto callback = callback_subprogram(out.subprograms, pc, *l);
            if (!callback) return fail(callback.error());
            callees[sub].push_back({*callback, pc});
            callback_pc = static_cast<int64_t>(pc);
        } else if (std::holds_alternative<PacketLoad>(program.insns[pc])) {
            packet_load_pc = static_cast<int64_t>(pc);
        }
    }
    if (callback_pc >= 0 && packet_load_pc >= 0) // as the kernel: LD_ABS/LD_IND and subprograms never mix
        return fail(Error::at_insn(static_cast<uint32_t>(packet_load_pc),
                                   "LD_ABS/LD_IND cannot be mixed with callbacks (LDDW src 4)"));

    // A subprogram whose last live instruction falls through would run into the next one.
    // `emit` is the verifier's reachability here (Facts::reachable; every slot without
    // Facts): like the kernel's opt_remove_dead_code, dead slots emit nothing, so only the
    // last live slot must end the subprogram. A subprogram with no live slot (never called
    // on a verified path) emits nothing but its frame set-up and is accepted. A live
    // conditional jump followed only by dead slots is the kernel's hard-wired dead branch
    // (opt_hard_wire_dead_code_branches): the verifier proved the fall-through never runs.
    // An LDDW second slot is live when its first slot is.
    const auto live = [&](int32_t pc) {
        const auto at = static_cast<size_t>(pc);
        if (std::holds_alternative<LddwSecondSlot>(program.insns[at])) return pc > 0 && out.slots[at - 1].emit;
        return out.slots[at].emit;
    };
    for (const Subprogram& sub : out.subprograms) {
        int32_t last = sub.end - 1;
        while (last >= sub.start && !live(last)) --last;
        if (last < sub.start) continue; // dead subprogram
        const Instruction& insn = program.insns[static_cast<size_t>(last)];
        const auto* jump = std::get_if<Jump>(&insn);
        const bool dead_fall_through = jump != nullptr && last + 1 < sub.end;
        if (std::holds_alternative<LddwSecondSlot>(insn) || (!ends_subprogram(insn) && !dead_fall_through))
            return fail(Error::at_insn(static_cast<uint32_t>(last),
                                       "execution can fall off the end of the (sub)program: the last "
                                       "instruction must be exit or an unconditional jump"));
    }

    // Frames per subprogram, no recursion, at most max_call_depth frames (isa/call_graph.hpp,
    // as the verifier checks it). The eBPF stack holds isa::kMaxCallDepth frames per chain
    // (engine_abi/ebpf_stack_layout.hpp): a deeper chain would run into the next callback chain's frames.
    if (options.max_call_depth > isa::kMaxCallDepth)
        return fail(Error::plain(fmt::format("max_call_depth {} exceeds the eBPF stack's {} frames per chain",
                                             options.max_call_depth, isa::kMaxCallDepth)));
    auto frames = isa::call_frames(callees, options.max_call_depth);
    if (!frames) {
        const isa::CallGraphViolation& v = frames.error();
        if (v.recursion)
            return fail(Error::at_insn(v.slot, fmt::format("recursive local call to slot {}",
                                                           out.subprograms[v.callee].start)));
        return fail(Error::at_insn(v.slot, fmt::format("local calls nest {} frames deep; the limit is {}", v.frames,
                                                       options.max_call_depth)));
    }
    for (uint32_t s = 0; s < out.subprograms.size(); ++s) out.subprograms[s].frames = (*frames)[s];
    out.max_frames = out.subprograms[0].frames;
    return {};
}

} // namespace ebpfjit::jit::detail
