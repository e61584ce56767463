// Hoisted range checks (issue 18 item 3): a loop whose checked accesses walk memory by an
// induction gets, in front of it, one range check per access over every iteration the
// loop can run, and a second copy of the loop without those accesses' checks.
//
//   preamble (before the head's label, reached only by falling through into the loop):
//     D = E(bound) - E(counter)          as a block op's (idioms.hpp): the loop runs at
//     E(counter) > E(bound) or D >= 2^32: most T = D + 1 trips; otherwise the checked loop
//                                         runs, untouched
//     for each range: the checker's range check of [E(start), E(start) + D * stride + size)
//       (jit_check_range: inside ONE region the run allows, writable for a store; no
//       fault is recorded); any refusal: the checked loop runs
//   the unchecked version: the loop's own slots [head, back_edge] emitted a second time,
//     the hoisted accesses without their check, the back edge to the version's own head,
//     every exit to the same slot as the loop's
//   loop: (the head's label)             the checked loop, as before
//
// A version whose loop is a byte copy or fill starts with that block op (idioms.hpp:
// rep movsb / ldp-stp strides), with the version's own loop as its fallback (too many
// trips for its budget): the range checks cover exactly the bytes it reads and writes,
// [src, src + T) and [dst, dst + T), as the verifier's proof covers them for a proven loop.
//
// Why versioning, not a block op that accepts checked accesses: the version is the
// loop's own code, so any body qualifies (the benchmark's `mixed` loop reads .rodata
// through a masked index and adds into a map value), and every register, every exit, the
// budget charges (the same slots charge the same amounts, and a budget fault names the
// same slot) and any access left checked behave as in the loop by construction; the
// backends add only the preamble and a range-check stub. Proven copy/fill/compare loops
// keep their block ops (they run first; a head they took is left alone).
//
// Safety (LoweringOptions::trusted aside, nothing here assumes a bound):
// - Facts are not read. The pass matches shape only; whether an access is allowed is
//   decided at run time, by the same checker a per-access check calls, for a range that
//   holds every address the access takes in any iteration the loop can run. The
//   checker's rule for [a, a + n) is "inside one region" (GuestMemory::allows, the
//   helper arguments' rule; the current frame's stack window; the run's regions): a range
//   inside one region has every sub-range inside it, so every per-access check the
//   version drops would have allowed its access. A range no one region holds (two
//   adjacent regions, say) is refused, and the checked loop runs: stricter, never wider.
// - Addresses: the body is evaluated once symbolically (idioms_sym.hpp); an access is
//   hoisted only when its address is head registers + constant reading only inductions
//   (+1 per trip) and unchanged registers, so in iteration k it is E(start) + k * stride
//   exactly (mod 2^64; the checker refuses a range that wraps). The loop runs at most T
//   trips: its only way back to the head is the back edge, taken while the counter test
//   holds; a side exit only shortens it (a range then covers more than the loop reads:
//   it may be refused, never wrongly allowed).
// - What is allowed cannot change during the loop: the body has no call of any kind (a
//   helper is what revokes a region: adjust_head, a map delete, a ringbuf submit), no
//   exit, no other jump back; r10 never changes, so neither do the stack windows.
// - A version can only fault where the loop would: its memory accesses are in bounds
//   (above), the rest is the loop's own code.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "jit/idioms.hpp"

namespace ebpfjit::jit {

// One access's range over the loop: [E(start), E(start) + D * stride + size).
struct HoistedRange {
    IdiomExpr start;    // the access's address in the first iteration (no `d`)
    uint8_t stride = 0; // 0, 1 or 2: how far its address moves per trip
    uint8_t size = 0;   // the access's width (widest, when several share the range)
    bool write = false; // a store: the region must be writable
};

struct LoopVersion {
    uint32_t head = 0;      // the loop's first slot (its label is the checked loop)
    uint32_t back_edge = 0; // the slot that jumps back to head; the version ends there
    uint32_t exit = 0;      // back_edge + 1: where the version continues after its last trip
    IdiomExpr counter;      // as BlockOp's: the compared value in the first iteration
    IdiomExpr bound;        // the loop-invariant value it is compared against
    std::vector<HoistedRange> ranges;
    std::vector<uint32_t> unchecked; // the slots whose check the version drops, ascending
    // A version whose loop is a byte copy or fill (idioms.hpp's matcher, with the ranged
    // accesses standing for proven ones): the op, emitted at the version's head (its
    // fallback is the version's loop). Not in Lowered::block_ops, which rewrite proven
    // loops: the checked loop itself is never rewritten.
    std::optional<BlockOp> block_op;
};

// The value `what` passes to jit_check_range: the length, and bit 63 for a write.
constexpr uint64_t kRangeWrite = uint64_t{1} << 63;

} // namespace ebpfjit::jit
