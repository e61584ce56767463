// The loop pass's loop heads (docs/loop-verification.md). Every state reaching a loop
// head (the target of a backward jump) meets the head's state for its shape (frames,
// live register types): if that state already covers it, the path ends — the head's
// continuation is explored, or being explored, from a larger set of states. Otherwise
// the two are joined, after kWidenAfter joins also widened (of arrivals that came round
// the loop: an entry into it is joined exactly, goes_round), and the result becomes the
// head's state, from which the path goes on. Widening makes the sequence of head states
// finite, so every loop is explored a bounded number of times.
//
// When the pass enumerates a loop (a retry, verifier.cpp), the exits of that loop arrive
// at the heads around it by the hundred, one per trip count (a binary search's 64
// insertion points, a TLV value's 255 lengths), and going on from each join explored the
// outer body, and the enumerated loop in it, once per arrival. There the path ends at the
// join instead (Joined): the head's state is explored once no other path is pending
// (Analyzer::run), after every arrival of the round is joined. Without an enumerated loop
// the path goes on at once: the rest of the old round is then pruned against the wider
// state's checkpoints (kernel_switch: 5.5k instructions deferred against 1.1k).
#include <algorithm>

#include <fmt/format.h>

#include "isa/liveness.hpp"
#include "verifier/analyzer.hpp"
#include "verifier/ranking.hpp"

namespace ebpfjit::verifier {

namespace {

// Joins before widening: a few exact iterations first keep bounds such as `i <= 3`
// of loops that stabilise on their own.
constexpr uint32_t kWidenAfter = 2;
// Widening reaches a fixpoint after at most a few rounds per threshold; a head that
// keeps changing beyond this many rounds (explorations of a joined state: one per join
// where the path goes on) is given up on (a verifier bug or a pathological program).
constexpr uint32_t kMaxJoins = 200;
// Shapes kept per head (different call frames or register types that cannot be joined).
constexpr size_t kMaxShapes = 64;

} // namespace

Result<Analyzer::HeadVerdict> Analyzer::arrive_at_loop_head(AbstractState& s, bool round_the_loop) {
    if (enumerated_[s.pc]) return HeadVerdict::Continue; // walked as the path walk does
    const LiveMasks live = checkpoints_.live_masks(s);
    const uint64_t key = shape_key(s, live);
    auto& shapes = heads_[s.pc];
    for (size_t shape = 0; shape < shapes.size(); ++shape) {
        HeadState& head = shapes[shape];
        if (head.key != key) continue;
        uint64_t work = 0;
        const bool covered = loop_state_subsumes(head.state, s, live, work);
        checkpoints_.charge(work);
        if (covered) {
            // This path relies on the head state's continuation: all it had counts.
            checkpoints_.mark_everything_precise(s);
            return HeadVerdict::Prune;
        }
        const bool widen = round_the_loop && head.joins >= kWidenAfter;
        auto joined = join_states(head.state, s, live, widen, *thresholds_, [this] { return fresh_id(); });
        if (!joined) continue;
        // The join adds nothing to the head's state (the arrival is inside it, only written
        // another way: a packet pointer at offset 18 where the head has 14 + [0, 4]): the
        // head's continuation covers this path as if the comparison above had said so.
        // Going on from the join explored the loop again for every such entry (xvs's
        // checksum loop: 200 rounds of one repeated entry, then "did not stabilise").
        work = 0;
        const bool adds_nothing = loop_state_subsumes(head.state, *joined, live, work);
        checkpoints_.charge(work);
        if (adds_nothing) {
            checkpoints_.mark_everything_precise(s);
            return HeadVerdict::Prune;
        }
        if (round_the_loop) ++head.joins;
        if (!head.queued && ++head.rounds > kMaxJoins)
            return fail(Error::at_insn(s.pc, fmt::format("program is too complex: the states at the loop head at insn "
                                                         "{} did not stabilise after {} rounds of joins",
                                                         s.pc, kMaxJoins)));
        if (!std::binary_search(joined_heads_.begin(), joined_heads_.end(), s.pc))
            joined_heads_.insert(std::upper_bound(joined_heads_.begin(), joined_heads_.end(), s.pc), s.pc);
        checkpoints_.mark_everything_precise(s);
        if (enumerated_heads_.empty()) { // the path goes on from the join
            head.state = *joined;
            head.state.history.clear();
            s = std::move(*joined);
            if (s.zone) s.zone->close(); // the head keeps a widened zone unclosed (state_join.cpp)
            tighten_packet_offsets(s);
            return HeadVerdict::Continue;
        }
        head.state = std::move(*joined);
        head.state.history.clear();
        head.state.parent = -1; // explored as a path of its own (Analyzer::run)
        if (!head.queued) {
            head.queued = true;
            deferred_heads_.emplace_back(s.pc, uint32_t(shape));
        }
        return HeadVerdict::Joined;
    }
    if (shapes.size() < kMaxShapes) {
        shapes.push_back({s, key, 0});
        shapes.back().state.history.clear();
    }
    return HeadVerdict::Continue;
}

bool Analyzer::goes_round(uint32_t head, uint32_t prev_pc) {
    const size_t n = program_.size();
    if (prev_pc >= n) return false;
    if (shape_.subprogram_of[prev_pc] != shape_.subprogram_of[head]) return true;
    if (reached_from_head_.size() != n) reached_from_head_.resize(n);
    std::vector<bool>& seen = reached_from_head_[head];
    if (seen.empty()) {
        seen.assign(n, false);
        std::vector<size_t> stack{head};
        while (!stack.empty()) {
            const size_t pc = stack.back();
            stack.pop_back();
            isa::for_each_successor(program_, pc, [&](size_t next) {
                if (!seen[next]) seen[next] = true, stack.push_back(next);
            });
        }
    }
    return seen[prev_pc];
}

bool Analyzer::loop_too_long(uint32_t head, uint32_t prev_pc, std::vector<uint64_t>& trips,
                             std::vector<uint64_t>& entries, LoopBodyCache& bodies) const {
    if (prev_pc < program_.size() && bodies.of(head)[prev_pc]) ++trips[head];
    else ++entries[head];
    return trips[head] > loop_arrival_limit_ + kTripsPerEntry * entries[head];
}

// Which loops the budget must bound. The path walk proves every loop ends (it explores
// each path to its exit); the loop pass does not: it prunes a state against its head's,
// or against an ancestor still in progress, so a loop it reached is bounded only by the
// budget unless a ranking argument proves it ends from the head's states (ranking.hpp).
// Every head counts, joined or not: a head whose later arrivals were all covered by its
// first state was never joined and is no more proven than one that was.
void Analyzer::record_loop_termination() {
    if (!loop_pass_) return;
    // An enumerated head keeps no state (walked, but its cycles may still be cut by the
    // pass's pruning against ancestors), and a head at kMaxShapes may have had arrivals
    // no state records: no bound is known there.
    std::vector<std::vector<const AbstractState*>> states(program_.size());
    // A head joined only after its arrival limit (Analyzer::run) missed the earlier
    // arrivals: no bound either.
    for (uint32_t pc = 0; pc < program_.size(); ++pc)
        if (heads_[pc].size() < kMaxShapes &&
            std::find(switched_heads_.begin(), switched_heads_.end(), pc) == switched_heads_.end())
            for (const HeadState& head : heads_[pc]) states[pc].push_back(&head.state);
    // A path a relaxed prune ended (imprecise scalars were not compared) may arrive at a
    // head with values its states do not hold: no bound is known at heads it can reach.
    const std::vector<uint8_t> relaxed = reached_from_relaxed_prunes();
    const HeadStates at = [&](uint32_t pc) {
        return relaxed[pc] ? std::span<const AbstractState* const>() : std::span<const AbstractState* const>(states[pc]);
    };
    const LoopBodies bodies(program_);
    std::vector<std::vector<bool>> ranked_bodies; // in facts_.ranked_loops' order
    for (uint32_t pc = 0; pc < program_.size(); ++pc) {
        if (!loop_head_[pc] || !facts_.reachable[pc]) continue;
        std::vector<bool> body = bodies.of(pc);
        if (!body[pc]) continue; // on no cycle of its own
        if (auto ranked = rank_loop(program_, pc, body, at)) {
            facts_.ranked_loops.push_back(*ranked);
            ranked_bodies.push_back(std::move(body));
        } else {
            facts_.budget_loops.push_back(pc);
        }
    }
    if (!facts_.budget_loops.empty() || facts_.ranked_loops.empty()) return;
    // Every loop ends; the budget stays unless the run's length is bounded too.
    const auto bound = run_length_bound(program_, facts_.reachable, facts_.ranked_loops, ranked_bodies);
    facts_.run_length_bound = bound.value_or(0);
    if (!bound || *bound > kTerminationBound)
        for (const Facts::RankedLoop& loop : facts_.ranked_loops) facts_.budget_loops.push_back(loop.head);
}

} // namespace ebpfjit::verifier
