// Static stack-slot liveness (the kernel's REG_LIVE_READ on stack slots): before each slot
// of the program, which 8-byte slots of the current frame ([fp-8(i+1), fp-8i), bit i) some
// path may read before overwriting them whole. A checkpoint ignores dead slots when it
// compares states (pruning.cpp): no continuation reads them, so their contents cannot
// change what is proven, and programs with many short-lived stack structs prune as the
// kernel's do.
//
// Reads are found by following stack pointers statically: per register, "not a stack
// pointer", "r10 + k", "r10 + k or not a stack pointer" (paths disagree: reads go where
// r10 + k would, but a store through it overwrites nothing for sure), "r10 + k for some k
// in [lo, hi], or not a stack pointer" (paths hand one instruction different buffers:
// reads go to the hull) or "some stack pointer, offset unknown", joined over paths.
//   - a load or atomic through r10 + k reads its bytes; through a range, the bytes of
//     every k in it; through an unknown stack pointer, every slot;
//   - a helper reading through r10 + k may read [k, fp0) (helpers read upward from the
//     pointer, within the frame); through an unknown one, every slot;
//   - a stack pointer handed to a callee (a local call's r1-r5, a callback-taking helper's
//     arguments) escapes: the callee may read the whole frame, so every slot is live at the
//     call, and in this frame while the callee may still read through it (escapes(),
//     reads_callers(), below);
//   - only an aligned 8-byte store at r10 + k overwrites a slot whole (kills it); partial
//     and variable-offset writes kill nothing.
// Sound only if every stack pointer stored in memory is seen again where it is loaded: a
// stack pointer spilled whole (an aligned 8-byte store at r10 + k) into a slot of its own
// frame is tracked in that slot, as the kernel keeps a spilled register, and an aligned
// 8-byte load of the slot gives it back (a load through an unknown stack pointer: anything);
// a write that may cover the slot otherwise leaves "maybe data" there. A program that
// stores one (or a value that may be one) with 8 bytes anywhere else, or into more than 8
// slots, gets every slot live everywhere (enabled() false). A narrower store leaves no
// pointer behind (refused on the stack, data elsewhere).
//
// A caller's frame seen from a callee (pruning.cpp stack_masks): while a callee runs, the
// caller's slots are read either through a pointer the callee was handed (reads_callers:
// the callee's stack arguments reach it as "some stack pointer", so any load, atomic or
// helper through one may read a caller's frame), or by the caller once the call returns
// (live_after_return: the caller's live slots after the call, fewer where every path from
// the callee's point returns a constant that decides the caller's branches on r0, as a
// parser's shared error exit returning -1 to a caller that reads what it parsed only on 0).
#pragma once

#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "helpers/helper_table.hpp"
#include "isa/instruction.hpp"
#include "runtime/maps/map.hpp"

namespace ebpfjit::verifier {

class StackLiveness {
public:
    static constexpr uint64_t kAll = ~uint64_t{0};

    // `maps`: the program's maps by LDDW index (VerifierInput::maps): a map helper reads
    // key_size / value_size bytes from its stack pointer; without them, the frame above it.
    StackLiveness(const isa::Program& program, const std::vector<int32_t>& subprogram_starts,
                  const helpers::HelperTable* helpers, const std::vector<maps::MapDefinition>& maps = {});
    // Bit i: slot i of the frame executing `pc` may be read before being overwritten whole.
    uint64_t live_before(uint32_t pc) const { return enabled_ ? live_in_[pc] : kAll; }
    // The call (local, or a helper taking a callback) at `pc` hands a stack pointer to the
    // frame it creates: the caller's whole frame is live while a frame above may read
    // through it (reads_callers).
    bool escapes(uint32_t pc) const { return !enabled_ || (pc < escapes_.size() && escapes_[pc]); }
    bool enabled() const { return enabled_; }
    // The code from `pc` until its frame returns (the calls it makes included) may read a
    // caller's frame: a load, atomic or helper through a pointer that may lead there, a
    // call handing a stack pointer to a callee that does, a callback or callx given one.
    bool reads_callers(uint32_t pc) const { return !enabled_ || reads_callers_[pc]; }
    // The slots of the frame that made the local call at `callsite` that may be read
    // after it returns, while its callee is at `callee_pc` (a slot of the callee's
    // subprogram): live_before(callsite + 1), less what the caller reads only on paths
    // that the constants returned from `callee_pc` rule out.
    uint64_t live_after_return(uint32_t callsite, uint32_t callee_pc) const;

private:
    std::vector<uint64_t> live_in_;
    std::vector<uint8_t> escapes_;
    std::vector<uint8_t> reads_callers_;
    // Per slot: 1 + the index in return_sets_ of the r0 values every path from it to its
    // subprogram's exit returns (a few constants); 0 when unknown.
    std::vector<uint16_t> return_set_;
    std::vector<std::vector<uint64_t>> return_sets_;
    // Per local call site: (r0 value, the caller's live slots after the return with that r0).
    std::unordered_map<uint32_t, std::vector<std::pair<uint64_t, uint64_t>>> after_return_;
    bool enabled_ = true;
};

} // namespace ebpfjit::verifier
