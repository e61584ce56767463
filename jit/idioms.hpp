// Byte-loop idioms: a single-block counted loop that copies or fills bytes one at a time
// (clang's form of `for (i = 0; i < n; ++i) dst[i] = src[i]` or `= c`) becomes one block
// operation that both backends emit in front of the loop (x86-64: rep movsb / rep stosb;
// ARM64: 16-byte ldp/stp strides). The plan is decided here, once; the backends only
// encode it. Safety is the verifier's alone: the loop's load and store must carry
// Facts::access_in_bounds, which holds on every path through them, so for every iteration
// the loop would run; this pass matches shape and never re-decides safety.
//
// What a BlockOp means (all arithmetic modulo 2^64; E(x) is x's Expr over the register
// values the loop head sees when entered by falling through from the slot before it):
//
//   D = E(bound) - E(counter)            the counter rises by 1 per iteration; the loop
//                                        runs T = D + 1 times (>= 1: it tests at the bottom)
//   fall back to the loop, untouched,    when E(counter) > E(bound) (unsigned) or D >= 2^32,
//                                        or, with an instruction budget, when the loop's
//                                        charges are more than what is left: the back edge
//                                        slot charges each time it runs (jit/budget.cpp), so
//                                        T * charge when it is the loop's conditional jump,
//                                        D * charge when it is a goto the last trip skips;
//                                        otherwise that much is charged up front
//   Copy: for k in 0..T-1: byte[E(dst) + k] = byte[E(src) + k]    forward, one byte at a
//                                        time, as the loop does, overlapping or not
//   Fill: for k in 0..T-1: byte[E(dst) + k] = E(value) & 0xff
//   then every final: reg = E(final) with D for `d`, or (last_byte) byte[E(dst) + D],
//   the byte the last iteration loaded; then continue at slot `exit`.
//
// Registers the loop writes and leaves unchanged are not finals; a register not written
// in the loop keeps its value.
//
// Compare (idioms_compare.cpp): a loop of byte loads and early exits, clang's form of
// strcmp/memcmp/strlen (`for (i = 0; i < n; ++i) { if (a[i] != b[i]) ...; if (a[i] == 0)
// ...; }`), possibly spread over several blocks. Its cycle is one path P from the head
// back to it; an iteration "stays" when every branch on P goes P's way. The op finds the
// iteration k the loop leaves P in, and fast-forwards the loop to it:
//
//   fall back to the loop, untouched,    as for Copy (counter > bound, D >= 2^32), or with
//                                        a budget when k * charge_per_trip is more than
//                                        what is left (else that is charged up front)
//   k = the least j in [0, D] with       byte[E(src) + j] != byte[E(second) + j]  (differ)
//                                     or byte[E(src) + j] == stop_byte            (stop_byte >= 0)
//       or D when no j has either        (iteration D leaves through the counter's test)
//   every induction: reg += k            the registers as the head sees them in iteration k
//   then continue at the head's label:   the loop itself runs iteration k and leaves P
//                                        the way it would have, so every register and the
//                                        exit taken are exactly the loop's
//
// The matcher's obligations (so that the above is the loop's behaviour): every register
// the loop writes is an induction (+1 per trip), unchanged, or a temporary that P writes
// before reading it and before its first branch (so no path sees its head value); both
// loads come before P's first branch (iteration j, once entered, reads byte j of each: the
// op reads no byte the loop would not, except within the 16-byte (x86-64) or 8-byte
// (ARM64) block that holds one it would, never across a page, so it cannot fault); P has
// no store, call, or checked access, and both loads are Facts::access_in_bounds. The
// op is placed before the label of `attach`: the head itself when entered by falling
// through, or a `goto head` outside P.
#pragma once

#include <cstdint>
#include <vector>

namespace ebpfjit::jit {

// reg_a + reg_b + d * D + constant; a register index of -1 is absent. A constant that is
// not an lea/add immediate never gets here (the matcher keeps to int32).
struct IdiomExpr {
    int8_t reg_a = -1;
    int8_t reg_b = -1;
    bool d = false;      // adds D (the trip count minus one)
    int32_t constant = 0;
    bool last_byte = false; // finals only: the byte the last iteration loaded (Copy)
};

struct IdiomFinal {
    uint8_t reg = 0;
    IdiomExpr value;
};

enum class BlockOpKind : uint8_t { Copy, Fill, Compare };

struct BlockOp {
    BlockOpKind kind = BlockOpKind::Copy;
    uint32_t head = 0;       // the loop's first slot (its label is the fallback)
    uint32_t back_edge = 0;  // the slot whose budget charge one trip pays
    bool charged_every_trip = false; // the back edge is the conditional jump: T charges, not D
    uint32_t exit = 0;       // where the loop leaves to (a label)
    IdiomExpr counter;       // the compared value in the first iteration
    IdiomExpr bound;         // the value it is compared against (loop invariant)
    IdiomExpr dst;           // the store's address in the first iteration
    IdiomExpr src;           // Copy: the load's address in the first iteration
    IdiomExpr value;         // Fill: the stored value (a register or a constant)
    std::vector<IdiomFinal> finals; // in register order
    // Compare only (src is the first load's address in the first iteration):
    uint32_t attach = 0;               // the op sits before this slot's label
    bool differ = false;               // leaves when the two loads' bytes differ
    IdiomExpr second;                  // differ: the second load's address, first iteration
    int16_t stop_byte = -1;            // leaves when the first load's byte is this (0..255)
    uint32_t charge_per_trip = 0;      // budget charges on P, paid once per full trip
    std::vector<uint8_t> inductions;   // registers that rise by 1 per trip
};

} // namespace ebpfjit::jit
