// Joining two abstract states (the least state describing both) and widening, for
// the loop pass's loop heads (loop_heads.hpp). A join keeps what both states know:
// scalar bounds become the hull, pointers the same region with an offset range, stack
// bytes initialised in both, and of the zone the constraints both imply. Widening then
// moves every bound that still grows to the next threshold (a constant the program
// compares with, or a hard limit), so a loop head sees finitely many states.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "verifier/abstract_state.hpp"
#include "verifier/pruning.hpp"

namespace ebpfjit::verifier {

// Bounds to widen to, from the program's own comparisons (PREVAIL's and Astrée's
// "widening with thresholds"): `i < 1024` makes 1023 and 1024 thresholds.
class Thresholds {
public:
    explicit Thresholds(const isa::Program& program);
    uint64_t above(uint64_t v) const; // smallest threshold >= v, or ~0
    uint64_t below(uint64_t v) const; // largest threshold <= v, or 0
    int64_t above_signed(int64_t v) const;
    int64_t below_signed(int64_t v) const;

    // Bounds `x - len <= c` the zone's widening moves a growing constraint to (not
    // drops): the gaps packet and mem accesses of the loop pass needed, -(off + size)
    // for an offset x. A loop clang rotated checks `p + 32 <= end` at its back edge and
    // reads `p + 28` at its head, so its head must keep `n + 44 <= len`, which the entry's
    // `len >= 64` hides until the trips climb to it (n - len: -64, -62, ... -44). At most
    // kMaxLenGaps are kept, so that widening still ends.
    static constexpr size_t kMaxLenGaps = 32;
    void note_len_gap(int64_t c);
    int64_t len_gap_above(int64_t c) const; // smallest noted gap >= c, or Zone::kInf

private:
    std::vector<uint64_t> unsigned_;
    std::vector<int64_t> signed_;
    std::vector<int64_t> len_gaps_; // sorted
};

Scalar join_scalar(const Scalar& a, const Scalar& b);
Scalar widen_scalar(const Scalar& old, const Scalar& joined, const Thresholds& t);

// The join of `old` (the loop head's state so far) and `cur` (a state arriving there),
// registers dead in `live` dropped; nullopt when they cannot be joined (a spilled pointer
// against anything but a pointer it joins with, different call
// frames, references, locks). `widen`: apply widening against `old` as well. The
// result continues `cur`'s path (its pc, parent checkpoint and history). `fresh_id`
// names new pointer ids.
std::optional<AbstractState> join_states(const AbstractState& old, const AbstractState& cur, const LiveMasks& live,
                                         bool widen, const Thresholds& t, const std::function<uint32_t()>& fresh_id);

} // namespace ebpfjit::verifier
