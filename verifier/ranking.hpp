// Termination by a ranking argument (issue 17, item 3): the loop pass proves a loop
// memory safe for any trip count; this proves, where it can, that the trip count is
// bounded, so the loop needs no instruction budget.
//
// The argument, for a loop head H (a backward jump's target):
//   1. a register i grows by at least dmin >= 1 on every path from H back to H, and no
//      add or subtract on the way wraps;
//   2. every state that reaches H holds i within [lo, hi], hi finite: the loop pass's
//      head states cover every arrival (that is what its memory-safety proof rests on).
// So one entry into the loop reaches H at most (hi - lo) / dmin + 1 times.
//
// The growth is read off the loop's instructions: i's value relative to its value at H,
// through moves, adds and subtracts of constants and 32-bit moves (anything else that
// writes a register loses it); path conditions are not used, the head states carry them.
// Wrapping is ruled out against head states too: the exact change since the last head
// the path passed (H, or a head of an inner cycle, whose states bound the register
// there) must keep the value within [0, 2^64) (2^32 for 32-bit operations). At an
// inner head only the least growth since H is kept, so a path that goes round an inner
// cycle any number of times still counts (a `switch` whose cases jump back to two heads).
//
// A program ends if every loop does: an endless run keeps returning to the lowest slot
// it visits forever, which is a backward jump's target, and between two returns it runs
// one path from that head back to it through slots at or above it. So a loop's body
// here is the cycles whose lowest slot is its head (an outer loop's way round, which
// passes a lower slot, is the outer head's to rank), and a slot runs at most once per call
// of its subprogram times (max_trips + 1) for each head whose body holds it: visits to
// it between two arrivals at the lowest such head stay in the next one's body, and so on.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "isa/instruction.hpp"
#include "verifier/abstract_state.hpp"
#include "verifier/facts.hpp"

namespace ebpfjit::verifier {

// Every state the loop pass keeps at a loop head (one per shape); empty when it keeps
// none there, or the slot is no head: no bound is known at that slot.
using HeadStates = std::function<std::span<const AbstractState* const>(uint32_t pc)>;

// The loops' bodies: for a head, the slots on some path from it back to it through slots
// at or above it (empty when no such path returns: a backward jump's target may be no
// loop, clang jumps back to a shared exit). Predecessor lists are built once.
class LoopBodies {
public:
    explicit LoopBodies(const isa::Program& program);
    std::vector<bool> of(uint32_t head) const;
    // Some path from `head` returns to it through slots above it: `of(head)[head]`,
    // without building the body (one forward search that stops when it gets back).
    bool is_lowest_on_a_cycle(uint32_t head) const;

private:
    const isa::Program& program_;
    std::vector<std::vector<uint32_t>> preds_;
};

// Loop bodies asked for one head at a time (the walk asks at every arrival at a head it
// enumerates): the predecessor lists are built at the first request, each head's body
// once. Building them per head made a program with hundreds of loops quadratic (12,570
// insns, 708 backward jumps: most of 185-285 ms in malloc and LoopBodies' constructor).
class LoopBodyCache {
public:
    explicit LoopBodyCache(const isa::Program& program) : program_(program) {}
    const std::vector<bool>& of(uint32_t head);

private:
    const isa::Program& program_;
    std::optional<LoopBodies> bodies_;
    std::vector<std::vector<bool>> by_head_; // per slot; empty until asked for
};

// The heads where the loop pass joins states, ascending: the backward jumps' targets that
// are the lowest slot of a cycle. Every cycle has one (its lowest slot is entered from a
// higher one, by a backward jump); other targets (clang jumps back to a shared exit or
// error path) are on no cycle of their own.
std::vector<uint32_t> cycle_heads(const isa::Program& program);

// The loop at `head` with that body: its ranking register and trip bound, if the argument
// above holds.
std::optional<Facts::RankedLoop> rank_loop(const isa::Program& program, uint32_t head, const std::vector<bool>& body,
                                           const HeadStates& head_states);

// Ending is not enough for a program that may run for years: the loop pass counts its
// ranked loops as ended only if a whole run executes at most this many instructions, so
// that dropping the budget changes nothing (ebpfjit/limits.hpp's kDefaultLoopBudget).
inline constexpr uint64_t kTerminationBound = uint64_t(1) << 32;

// The most instructions one run of the program executes when every loop on a cycle is
// one of `ranked`: each reachable slot, once per call of its subprogram, times
// (max_trips + 1) of every ranked loop whose body (`bodies`, in `ranked`'s order) holds
// it. No bound (nullopt) for a program with callbacks (a helper calls them as often as it
// likes).
std::optional<uint64_t> run_length_bound(const isa::Program& program, const std::vector<bool>& reachable,
                                         std::span<const Facts::RankedLoop> ranked,
                                         std::span<const std::vector<bool>> bodies);

} // namespace ebpfjit::verifier
