// What a conditional jump teaches about two scalars on one of its edges.
#pragma once

#include "isa/instruction.hpp"
#include "verifier/scalar.hpp"

namespace ebpfjit::verifier {

// A relation that holds between dst and src on one edge of a jump.
enum class Relation : uint8_t { Eq, Ne, Lt, Le, Gt, Ge, SLt, SLe, SGt, SGe, Set, NotSet };

// The relation on the taken edge (taken = true) or the fall-through edge.
Relation edge_relation(isa::Cond cond, bool taken);
// The same relation with the operands swapped (a < b  <=>  b > a).
Relation swap_operands(Relation r);

// Narrows a and b so that `a rel b` holds (on the low 32 bits when is32).
// Returns false when no pair of values satisfies it: that edge is never taken.
[[nodiscard]] bool refine(Scalar& a, Scalar& b, Relation rel, bool is32);

} // namespace ebpfjit::verifier
