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
// reads go to the hull), "somewhere in this frame" (moved by a number of unknown bounds:
// the verifier keeps every access through it inside the frame) or "some stack pointer,
// offset unknown", joined over paths (stack_pointer_flow.hpp). A callee's stack arguments
// are placed the same way relative to "what rk held at entry" (a pointer into a frame
// below, never into the callee's own). Numbers keep small bounds through mov, add, sub,
// shifts and masks, so a pointer moved by an index reads only what the index reaches.
//   - a load or atomic through r10 + k reads its bytes; through a range, the bytes of
//     every k in it; through an unknown stack pointer, every slot;
//   - a helper reading through r10 + k may read [k, fp0) (helpers read upward from the
//     pointer, within the frame); through an unknown one, every slot;
//   - a local call reads what its callee reads through the pointers it is handed, mapped
//     through its r1-r5 (reads_through_args, caller_slots, below); a stack pointer handed to
//     a callback-taking helper or callx escapes: every slot is live at the call;
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
// caller's slots are read either through a pointer the callee was handed (reads_through_args:
// the bytes each argument's loads, atomics, helpers and calls reach, from the callee's point
// until it returns, mapped down frame by frame at each call site; a stack pointer loaded
// through an argument is followed where the callers' slots there held one at every call
// (a struct holding the address of another of the caller's buffers); all of a frame once a
// pointer whose origin is not followed may read it: a pointer loaded from bytes whose
// spill is not followed, a callback), or by the caller once the call returns
// (live_after_return: the caller's live slots after the call, fewer where every path from
// the callee's point returns a constant that decides the caller's branches on r0, as a
// parser's shared error exit returning -1 to a caller that reads what it parsed only on 0).
#pragma once

#include <array>
#include <compare>
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
    // The call (local, or a helper taking a callback) at `pc` hands a pointer that may be
    // into this frame to the frame it creates.
    bool escapes(uint32_t pc) const { return !enabled_ || (pc < escapes_.size() && escapes_[pc]); }
    bool enabled() const { return enabled_; }

    // What code reads through the pointers its frame was handed at entry (r1-r5, into the
    // frames below it): per argument, the bytes [lo, hi) from where it pointed; `unknown`:
    // it may read anything the frames below handed it (through a pointer whose origin the
    // analysis does not follow: a variable offset, a pointer loaded from memory, a callback).
    struct ArgReads {
        static constexpr int32_t kOpen = 1 << 20; // "up to the top of the frame pointed into"
        std::array<int32_t, 5> lo{}, hi{};        // [k]: argument r(k+1); lo >= hi: nothing
        bool unknown = false;
        void add(size_t arg, int64_t from, int64_t to);
        void join(const ArgReads& o);
        friend auto operator<=>(const ArgReads&, const ArgReads&) = default;
    };
    // Where one of a local call's r1-r5 points: not into a stack frame; into the calling
    // frame (r10 + [lo, hi]); through the calling frame's argument `arg` (+ [lo, hi]); unknown.
    struct CallArg {
        enum Kind : uint8_t { None, Own, Arg, Unknown } kind = None;
        uint8_t arg = 0;
        int32_t lo = 0, hi = 0;
    };
    // The code from `pc` until its frame returns (the calls it makes included).
    const ArgReads& reads_through_args(uint32_t pc) const;
    // `above`: reads through the arguments of the frame the local call at `callsite` made.
    // Returns the calling frame's slots they may touch; `below` gets the same reads through
    // the calling frame's own arguments (joined in).
    uint64_t caller_slots(uint32_t callsite, const ArgReads& above, ArgReads& below) const;
    // The slots of the frame that made the local call at `callsite` that may be read
    // after it returns, while its callee is at `callee_pc` (a slot of the callee's
    // subprogram): live_before(callsite + 1), less what the caller reads only on paths
    // that the constants returned from `callee_pc` rule out.
    uint64_t live_after_return(uint32_t callsite, uint32_t callee_pc) const;

private:
    std::vector<uint64_t> live_in_;
    std::vector<uint8_t> escapes_;
    std::vector<uint32_t> arg_reads_at_; // per slot: index into arg_reads_ ([0]: nothing read)
    std::vector<ArgReads> arg_reads_;
    std::unordered_map<uint32_t, std::array<CallArg, 5>> call_args_; // per reachable local call
    // Per slot: 1 + the index in return_sets_ of the r0 values every path from it to its
    // subprogram's exit returns (a few constants); 0 when unknown.
    std::vector<uint16_t> return_set_;
    std::vector<std::vector<uint64_t>> return_sets_;
    // Per local call site: (r0 value, the caller's live slots after the return with that r0).
    std::unordered_map<uint32_t, std::vector<std::pair<uint64_t, uint64_t>>> after_return_;
    bool enabled_ = true;
};

} // namespace ebpfjit::verifier
