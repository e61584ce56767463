// Which loads/stores go through the ctx, for programs verified at Structural level only
// (no abstract interpretation there, yet their ctx accesses still need the runtime's
// rewrite to the host layout). Full level never uses this: its facts come from the
// symbolic execution itself (Analyzer::record_ctx_access).
//
// A small forward dataflow over the slots: r1 holds the ctx at entry; `mov64` copies
// it; 8-byte aligned spills to and fills from r10-relative stack slots keep it; local
// calls pass r1..r5. Anything else (arithmetic, a stack slot written through a copy of
// r10, callbacks, ...) is "not the ctx". This is NOT a proof, and it is safe only
// because at Structural level every memory access (rewritten ctx loads included) is
// bounds-checked at run time: by the interpreter, and by the JIT's checked code
// (jit/lowering.cpp: checked_if_unproven, as a Structural program has no
// access_in_bounds facts). Where this typing is wrong, a rewritten load reads the wrong
// bytes of a region the program may read anyway, or an unrewritten one reads the
// uapi word (0) of a packet pointer; both fault or yield a defined value, neither
// reaches memory outside the run's regions.
#pragma once

#include <expected>
#include <vector>

#include "ebpfjit/program_type.hpp"
#include "isa/instruction.hpp"
#include "verifier/facts.hpp"
#include "verifier/structural_check.hpp"

namespace ebpfjit::verifier {

// Per slot, the ctx field each access through the (conservatively typed) ctx touches.
// Rejected (with the slot): one access reached with the ctx in its base register on one
// path and another value on another, and a ctx access that no field of the struct covers.
// Mem programs (no ctx) get an empty vector.
std::expected<std::vector<CtxAccess>, StructuralViolation> structural_ctx_typing(const isa::Program& program,
                                                                                 ProgramType type);

} // namespace ebpfjit::verifier
