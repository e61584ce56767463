// The forward half of the stack liveness (stack_liveness.hpp): what each register and
// tracked stack slot may hold as far as stack frames are concerned, and how one
// instruction changes it. Used only by stack_liveness.cpp.
#pragma once

#include <array>
#include <climits>
#include <cstdint>
#include <utility>
#include <vector>

#include "isa/instruction.hpp"
#include "verifier/stack_liveness.hpp"

namespace ebpfjit::verifier::stack_flow {

using ArgReads = StackLiveness::ArgReads;

// What a register (or a tracked stack slot) may hold, as far as stack frames are concerned
// (6 bytes: one per register and slot is kept while the analysis runs). A pointer is placed
// relative to its base: this frame's r10 (base 0), or the pointer argument rk held when the
// frame was entered (base k: a pointer into a caller's frame, or no stack pointer at all).
//   None: no stack pointer; Fixed: base + off; MaybeFixed: base + off, or no stack pointer
//   (a join of the two: reads through it read where Fixed would, but a store through it
//   overwrites nothing for sure); Range: base + k for some k in [off, hi], or no stack
//   pointer (paths that pass different buffers to one helper call: reads through it read
//   the hull, stores overwrite nothing for sure); Any: some stack pointer, or anything.
// A number (None) may carry bounds (base 1: a value in [off, hi]), so that a pointer moved
// by a small index (`key.addr[i]`, i in 0..3) reads the bytes the index can reach.
struct Val {
    enum Kind : uint8_t { Bottom, None, Fixed, MaybeFixed, Range, Any } kind = Bottom;
    uint8_t base = 0; // Fixed, MaybeFixed, Range: 0 (r10) or the argument register 1..5; None: 1 if bounded
    int16_t off = 0;  // Fixed, MaybeFixed: the offset; Range: the lowest; None: the least value
    int16_t hi = 0;   // Range: the highest offset; None: the greatest value; 0 otherwise
    friend bool operator==(const Val&, const Val&) = default;
};
constexpr Val kNone{Val::None};
constexpr Val kAny{Val::Any};

inline bool bounded(Val v) { return v.kind == Val::None && v.base == 1; }

inline bool is_offset(Val v) { return v.kind == Val::Fixed || v.kind == Val::MaybeFixed; }
// Some base + k with k in [v.off, top(v)] (is_offset or Range).
inline bool is_placed(Val v) { return is_offset(v) || v.kind == Val::Range; }
// Placed in this frame (r10-relative), or through an argument (into a caller's frame).
inline bool in_frame(Val v) { return is_placed(v) && v.base == 0; }
inline bool via_arg(Val v) { return is_placed(v) && v.base != 0; }
inline int64_t top(Val v) { return v.kind == Val::Range ? v.hi : v.off; }

// Somewhere in the frame `base` points into, or no stack pointer: a pointer moved by a
// register (the verifier keeps every access through it inside that frame, wherever it
// points), or a range wider than a frame. Reads through it read all of that frame, and no
// other. Its offsets are sentinels that cover any frame, moved or not.
inline Val whole_frame(uint8_t base) { return Val{Val::Range, base, INT16_MIN, INT16_MAX}; }
inline bool is_whole_frame(Val v) { return v.kind == Val::Range && v.off == INT16_MIN; }

using Regs = std::array<Val, isa::kNumRegisters>;

// Stack slots of the current frame that may hold a spilled stack pointer (the kernel
// keeps a spilled pointer as a register, save_register_state, and an aligned 8-byte load
// brings it back, check_stack_read_fixed_off; exec_memory.cpp does the same). Only
// slots some aligned 8-byte store at r10 + k writes such a value to are tracked; a program
// needing more than kMaxTracked of them gets no slot liveness.
constexpr size_t kMaxTracked = 8;
using Slots = std::array<Val, kMaxTracked>;

inline bool is_stack(Val v) { return is_placed(v) || v.kind == Val::Any; }
// May point into this frame.
inline bool may_be_own(Val v) { return in_frame(v) || v.kind == Val::Any; }

// The slot index of an aligned 8-byte access at r10 + at inside the frame, else -1.
inline int aligned_slot(int64_t at) {
    return at < 0 && at >= -int64_t(isa::kStackSize) && at % 8 == 0 ? int((-at - 1) / 8) : -1;
}

// The tracked slots: index into Slots of frame slot `slot`, or -1.
struct Tracked {
    std::vector<int> slots; // frame slot numbers, at most kMaxTracked
    int find(int slot) const {
        for (size_t i = 0; i < slots.size(); ++i)
            if (slots[i] == slot) return int(i);
        return -1;
    }
};

// A number in [lo, hi]; bounds wider than a frame (or far outside one) are not kept.
Val num(int64_t lo, int64_t hi);

// A range wider than a frame says nothing about where in it: the whole frame. The cap also
// ends the forward pass on a loop that moves a pointer by a constant each round.
Val hull(uint8_t base, int64_t lo, int64_t hi);

// What either may hold.
Val join(Val a, Val b);

// join_into for the registers before a slot, where number bounds that keep growing (a loop
// counter) are dropped after a few rounds: `grown` counts them at the slot.
bool join_regs(Regs& into, const Regs& from, uint8_t& grown);

// Slots holding any byte of [lo, hi) (offsets from r10, clipped to the frame).
uint64_t slots_of(int64_t lo, int64_t hi);

// The frame slots `tracked` follows, as a mask.
uint64_t tracked_mask(const Tracked& tracked);

// Every tracked slot may have been overwritten with data (a store or helper write the
// analysis cannot place): a pointer there is only "maybe" one now.
void weaken(Slots& sl);

// Tracked slots holding any byte of [lo, hi) may now hold data; slot `whole` (if tracked)
// was replaced by `v`.
void weaken_range(Slots& sl, const Tracked& tracked, int64_t lo, int64_t hi, int whole, Val v);

// `p` placed from `base` instead, `shift` bytes further (a pointer into the frame an
// argument points into, seen from the argument).
Val rebase(Val p, uint8_t base, int64_t shift);

template <class A>
bool join_into(A& into, const A& from) {
    bool changed = false;
    for (size_t r = 0; r < into.size(); ++r) {
        const Val j = join(into[r], from[r]);
        if (!(j == into[r])) {
            into[r] = j;
            changed = true;
        }
    }
    return changed;
}

// Bytes [lo, hi) from where a pointer argument of a frame points (ArgSpill::unknown:
// those a load through it may find a spill in that is not followed). lo >= hi: none.
struct Span {
    int32_t lo = 0, hi = 0;
    bool join(int64_t from, int64_t to); // true if it grew
    bool meets(int64_t from, int64_t to) const { return lo < hi && from < hi && lo < to; }
    friend bool operator==(const Span&, const Span&) = default;
};

// Where the bytes a frame's pointer argument (rk at its entry) leads to may hold a spilled
// stack pointer, from the tracked slots of its callers at their calls: an 8-byte slot at a
// known offset from the argument holding a pointer into the same frame (`at`, placed from
// the argument: a caller's struct holding the address of another of its buffers), or bytes
// whose spill is not followed (`unknown`: a load there gives "some stack pointer").
struct ArgSpill {
    static constexpr size_t kMaxAt = 16;
    Span unknown;
    std::vector<std::pair<int32_t, Val>> at;
    friend bool operator==(const ArgSpill&, const ArgSpill&) = default;

    bool add_unknown(int64_t from, int64_t to) { return unknown.join(from, to); }
    bool add(int64_t rel, Val v); // v: placed from the argument, or anything else
    // What an 8-byte load of [from, to) through the argument (`exact`: at `from` itself) gives.
    Val load(int64_t from, int64_t to, bool exact) const;
};
using ArgSpills = std::array<ArgSpill, 5>;

// The register and slot values after `insn` (calls and exits excepted: the caller handles
// them); `spills`: those of the frame's arguments.
void transfer(const isa::Instruction& insn, Regs& r, Slots& sl, const Tracked& tracked, const ArgSpills& spills);

} // namespace ebpfjit::verifier::stack_flow
