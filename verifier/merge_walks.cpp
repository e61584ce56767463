#include "verifier/merge_walks.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "verifier/ranking.hpp"

namespace ebpfjit::verifier {

std::optional<MergeConflict> merge_walk_facts(Facts& into, const Facts& from, const isa::Program& program) {
    const size_t n = program.size();
    if (from.reachable.size() != n) return std::nullopt; // nothing recorded
    if (into.reachable.size() != n) {
        into = from;
        return std::nullopt;
    }
    for (size_t pc = 0; pc < n; ++pc) {
        if (!from.reachable[pc]) continue;
        if (!into.reachable[pc]) {
            into.reachable[pc] = true;
            into.access_in_bounds[pc] = from.access_in_bounds[pc];
            into.divisor_safe[pc] = from.divisor_safe[pc];
            into.upper32_zero[pc] = from.upper32_zero[pc];
            into.ctx_access[pc] = from.ctx_access[pc];
            continue;
        }
        into.access_in_bounds[pc] = into.access_in_bounds[pc] && from.access_in_bounds[pc];
        into.divisor_safe[pc] = into.divisor_safe[pc] && from.divisor_safe[pc];
        into.upper32_zero[pc] &= from.upper32_zero[pc];
        if (into.ctx_access[pc] != from.ctx_access[pc])
            return MergeConflict{uint32_t(pc),
                                 {Reason::ContextAccess,
                                  fmt::format("same insn cannot be used with different pointers: {} in one function's "
                                              "walk, {} in another's",
                                              into.ctx_access[pc].via_ctx ? "the ctx" : "not the ctx",
                                              from.ctx_access[pc].via_ctx ? "the ctx" : "not the ctx")}};
    }
    for (uint32_t head : from.budget_loops)
        if (std::find(into.budget_loops.begin(), into.budget_loops.end(), head) == into.budget_loops.end())
            into.budget_loops.push_back(head);
    std::sort(into.budget_loops.begin(), into.budget_loops.end());
    for (const Facts::RankedLoop& loop : from.ranked_loops) {
        auto same = std::find_if(into.ranked_loops.begin(), into.ranked_loops.end(),
                                 [&](const Facts::RankedLoop& l) { return l.head == loop.head; });
        if (same == into.ranked_loops.end()) into.ranked_loops.push_back(loop);
        else if (loop.max_trips > same->max_trips) *same = loop; // the walk that allows more trips
    }
    std::erase_if(into.ranked_loops, [&](const Facts::RankedLoop& l) {
        return std::binary_search(into.budget_loops.begin(), into.budget_loops.end(), l.head);
    });
    std::sort(into.ranked_loops.begin(), into.ranked_loops.end(),
              [](const Facts::RankedLoop& a, const Facts::RankedLoop& b) { return a.head < b.head; });
    for (const StackZero& z : from.stack_zero) {
        auto same = std::find_if(into.stack_zero.begin(), into.stack_zero.end(),
                                 [&](const StackZero& o) { return o.subprogram_start == z.subprogram_start; });
        if (same == into.stack_zero.end()) {
            into.stack_zero.push_back(z);
        } else {
            same->lo = std::min(same->lo, z.lo);
            same->hi = std::max(same->hi, z.hi);
        }
    }
    std::sort(into.stack_zero.begin(), into.stack_zero.end(),
              [](const StackZero& a, const StackZero& b) { return a.subprogram_start < b.subprogram_start; });
    return std::nullopt;
}

void finish_merged_loops(Facts& facts, const isa::Program& program) {
    facts.run_length_bound = 0;
    if (facts.ranked_loops.empty() || !facts.budget_loops.empty()) return;
    auto no_bound = [&] {
        for (const Facts::RankedLoop& loop : facts.ranked_loops) facts.budget_loops.push_back(loop.head);
        std::sort(facts.budget_loops.begin(), facts.budget_loops.end());
    };
    const LoopBodies bodies(program);
    std::vector<std::vector<bool>> ranked_bodies;
    for (const Facts::RankedLoop& loop : facts.ranked_loops) ranked_bodies.push_back(bodies.of(loop.head));
    // Every reachable loop must be ranked for the bound to count its trips.
    for (uint32_t head : cycle_heads(program)) {
        if (!facts.reachable[head] || !bodies.is_lowest_on_a_cycle(head)) continue;
        const bool ranked = std::any_of(facts.ranked_loops.begin(), facts.ranked_loops.end(),
                                        [&](const Facts::RankedLoop& l) { return l.head == head; });
        if (!ranked) return no_bound();
    }
    const auto bound = run_length_bound(program, facts.reachable, facts.ranked_loops, ranked_bodies);
    facts.run_length_bound = bound.value_or(0);
    if (!bound || *bound > kTerminationBound) no_bound();
}

} // namespace ebpfjit::verifier
