// The loop pass's relational facts as the rest of the verifier needs them: a register's
// term in the zone, and whether one state's relations cover another's (pruning).
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "verifier/abstract_state.hpp"

namespace ebpfjit::verifier {

// The zone symbol of a register's value (scalars) or variable offset (packet
// pointers): its own symbol, Zone::kZero for a known 0, Zone::kLen for the packet end;
// 0 when the zone knows nothing about it.
uint32_t zone_term(const RegState& r);
// Registers whose value the zone can name: scalars (the value) and packet pointers (the
// variable offset).
inline bool holds_zone_value(const RegState& r) { return r.type == RegType::Scalar || r.type == RegType::Packet; }

// A register's value (or variable offset) seen by the zone: symbol + delta, in [lo, hi].
struct ZoneTerm {
    uint32_t sym = 0;
    int64_t delta = 0;
    int64_t lo = 0, hi = Zone::kInf;
};
// `var` is the register's variable part, `delta` added to it (a folded offset).
ZoneTerm zone_term_of(const RegState& r, const Scalar& var, int64_t delta);
// The tightest bound on x - y that a state (its zone, if any, and intervals) knows.
int64_t zone_bound(const std::optional<Zone>& z, const ZoneTerm& x, const ZoneTerm& y);

// A value as one state sees it when it is compared with, or joined to, another state:
// a term of the state's zone, the exact sum of two terms, or both. A sum the other state
// keeps (`i + run < len` at a loop head) is often, in this state, a sum it never computed
// (`i + 1`, with run still the constant 1): its bounds come from its two terms'.
struct SideValue {
    std::optional<ZoneTerm> term;
    std::optional<std::pair<ZoneTerm, ZoneTerm>> sum;
};
// The tightest bound on x - y from every form each has (kInf if neither has a form).
int64_t side_bound(const std::optional<Zone>& z, const SideValue& x, const SideValue& y);

// Every relation `old` has between the values of the paired registers (old, cur), and
// the length's bounds, also holds in `cur`. Pairs name the same register or stack slot
// in both states.
// `slot_syms`: the symbols of old's stack slots that may still be read (a value a fill
// may bring back), whether or not they are among the pairs.
bool zone_subsumes(const AbstractState& old, const AbstractState& cur,
                   const std::vector<std::pair<const RegState*, const RegState*>>& pairs,
                   const std::vector<uint32_t>& slot_syms);

} // namespace ebpfjit::verifier
