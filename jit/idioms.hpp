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

enum class BlockOpKind : uint8_t { Copy, Fill };

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
};

} // namespace ebpfjit::jit
