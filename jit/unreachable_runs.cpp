// Which unreachable runs get a trap (unreachable_runs.hpp). Only runs emitted code can
// enter: a jump, local call or callback address of an emitted slot lands in the run, or
// the code before it runs on into it (the entry prologue included). A dead tail after an
// exit, or a subprogram only dead code calls, gets none: nothing could reach it even
// under a wrong proof, so verified code keeps its size.
#include "jit/unreachable_runs.hpp"

#include <algorithm>
#include <variant>

#include "jit/lowering_passes.hpp"

namespace ebpfjit::jit {

uint32_t unreachable_run_start(const std::vector<bool>& reachable, std::span<const int32_t> subprogram_starts,
                               uint32_t pc) {
    const auto starts_subprogram = [&](uint32_t at) {
        return std::find(subprogram_starts.begin(), subprogram_starts.end(), static_cast<int32_t>(at)) !=
               subprogram_starts.end();
    };
    while (pc > 0 && pc < reachable.size() && !reachable[pc - 1] && !starts_subprogram(pc)) --pc;
    return pc;
}

namespace detail {

namespace {

// Control never goes on to the next slot after it.
bool ends_flow(const isa::Instruction& insn) {
    if (std::holds_alternative<isa::Exit>(insn)) return true;
    const auto* j = std::get_if<isa::Jump>(&insn);
    return j != nullptr && j->cond == isa::Cond::Always;
}

// Slots emitted code may transfer to (after the lowering's rewrites: an inverted branch
// names its new target).
std::vector<bool> entered_slots(const Lowered& out) {
    std::vector<bool> entered(out.slots.size(), false);
    for (const LoweredSlot& slot : out.slots) {
        if (!slot.emit) continue;
        if (const auto* j = std::get_if<isa::Jump>(&slot.insn)) entered[static_cast<size_t>(j->target)] = true;
        else if (const auto* c = std::get_if<isa::Call>(&slot.insn); c && slot.call == CallRole::Local)
            entered[static_cast<size_t>(c->target)] = true;
        if (slot.code_target >= 0) entered[static_cast<size_t>(slot.code_target)] = true;
    }
    return entered;
}

// Whether the code before `first` in `sub` may run on into it: the last slot before it
// that emits code does not end the flow (slots rewritten to nothing fall through). With
// none, the entry prologue runs into it, a local prologue only when its start is entered.
bool falls_into(const Lowered& out, const Subprogram& sub, bool entry, const std::vector<bool>& entered,
                uint32_t first) {
    for (int64_t p = int64_t{first} - 1; p >= sub.start; --p) {
        const LoweredSlot& slot = out.slots[static_cast<size_t>(p)];
        if (slot.unreachable_run >= 0) return false; // an earlier run's trap
        if (slot.emit) return !ends_flow(slot.insn);
    }
    return entry || std::any_of(entered.begin() + sub.start, entered.begin() + first, [](bool e) { return e; });
}

} // namespace

void mark_unreachable_runs(const verifier::Facts& facts, Lowered& out) {
    if (facts.reachable.empty()) return; // no proof: every slot emits
    const std::vector<bool> entered = entered_slots(out);
    for (size_t s = 0; s < out.subprograms.size(); ++s) {
        const Subprogram& sub = out.subprograms[s];
        for (auto pc = static_cast<uint32_t>(sub.start); pc < static_cast<uint32_t>(sub.end);) {
            if (facts.reachable[pc]) {
                ++pc;
                continue;
            }
            const uint32_t first = pc;
            bool needed = false;
            for (; pc < static_cast<uint32_t>(sub.end) && !facts.reachable[pc]; ++pc) needed = needed || entered[pc];
            const uint32_t last = pc - 1;
            if (!needed && !falls_into(out, sub, s == 0, entered, first)) continue;
            out.slots[last].unreachable_run = static_cast<int32_t>(out.unreachable_runs.size());
            out.unreachable_runs.push_back({first, last});
        }
    }
}

} // namespace detail
} // namespace ebpfjit::jit
