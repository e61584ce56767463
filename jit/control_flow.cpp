// Control-flow facts of the lowering: subprograms, labels, call depth.
#include <algorithm>
#include <functional>

#include <fmt/format.h>

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
    std::vector<std::vector<std::pair<uint32_t, uint32_t>>> callees(out.subprograms.size()); // (callee, call slot)
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
            callees[sub].emplace_back(static_cast<uint32_t>(it - out.subprograms.begin()), pc);
        }
    }

    // A subprogram whose last live instruction falls through would run into the next one.
    for (const Subprogram& sub : out.subprograms) {
        int32_t last = sub.end - 1;
        while (last > sub.start && !out.slots[static_cast<size_t>(last)].emit &&
               !std::holds_alternative<LddwSecondSlot>(program.insns[static_cast<size_t>(last)]))
            --last;
        if (std::holds_alternative<LddwSecondSlot>(program.insns[static_cast<size_t>(last)]) ||
            !ends_subprogram(program.insns[static_cast<size_t>(last)]))
            return fail(Error::at_insn(static_cast<uint32_t>(last),
                                       "execution can fall off the end of the (sub)program: the last "
                                       "instruction must be exit or an unconditional jump"));
    }

    // Frames per subprogram (depth-first, rejecting recursion), checked against the limit.
    enum class Mark : uint8_t { New, Active, Done };
    std::vector<Mark> mark(out.subprograms.size(), Mark::New);
    std::function<Result<void>(uint32_t)> visit = [&](uint32_t s) -> Result<void> {
        mark[s] = Mark::Active;
        uint32_t deepest = 0;
        for (auto [callee, call_pc] : callees[s]) {
            if (mark[callee] == Mark::Active)
                return fail(Error::at_insn(call_pc, fmt::format("recursive local call to slot {}",
                                                                out.subprograms[callee].start)));
            if (mark[callee] == Mark::New)
                if (auto r = visit(callee); !r) return r;
            deepest = std::max(deepest, out.subprograms[callee].frames);
        }
        out.subprograms[s].frames = 1 + deepest;
        mark[s] = Mark::Done;
        return {};
    };
    if (auto r = visit(0); !r) return r;
    out.max_frames = out.subprograms[0].frames;
    if (out.max_frames > options.max_call_depth) {
        // Name the call that opens the first frame beyond the limit on the deepest chain.
        uint32_t s = 0, depth = 1;
        for (bool descended = true; descended;) {
            descended = false;
            for (auto [callee, call_pc] : callees[s]) {
                if (depth + out.subprograms[callee].frames <= options.max_call_depth) continue;
                if (depth + 1 > options.max_call_depth)
                    return fail(Error::at_insn(call_pc, fmt::format(
                        "local calls nest {} frames deep; the limit is {}", out.max_frames,
                        options.max_call_depth)));
                s = callee;
                ++depth;
                descended = true;
                break;
            }
        }
        return fail(Error::at_insn(static_cast<uint32_t>(out.subprograms[s].start), fmt::format(
            "local calls nest {} frames deep; the limit is {}", out.max_frames, options.max_call_depth)));
    }
    return {};
}

} // namespace ebpfjit::jit::detail
