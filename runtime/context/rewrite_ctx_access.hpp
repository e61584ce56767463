// The userspace counterpart of the kernel's convert_ctx_access: rewrites a program's
// context accesses for the host ctx layout (engine_abi/ctx_layout.hpp).
//
// Which instructions access the ctx, and which field, is what the verifier recorded
// (Facts::ctx_access, the kernel's insn_aux_data): the rewrite runs no analysis of its
// own, so it converts exactly the accesses the verifier typed. Loads of
// data/data_end/data_meta become 64-bit loads of the host pointer block; every other
// recorded access is checked against the layout and left as it is. Instructions keep
// their slots, so jump targets and the other facts do not move.
//
// Run it after verification (either level) and before the interpreter or the lowering,
// for every program type with a ctx layout (Mem programs come back unchanged).
#pragma once

#include "ebpfjit/error.hpp"
#include "ebpfjit/program_type.hpp"
#include "isa/instruction.hpp"
#include "verifier/facts.hpp"

namespace ebpfjit::runtime {

// Errors (with the instruction index): facts that do not cover the program (it was not
// verified for this type), a recorded access that disagrees with the instruction, an
// access to a field this program type may not read or write, a pointer field read with
// a size other than 4 or written at all, an atomic on the ctx.
Result<isa::Program> rewrite_ctx_access(const isa::Program& program, ProgramType type, const verifier::Facts& facts);

} // namespace ebpfjit::runtime
