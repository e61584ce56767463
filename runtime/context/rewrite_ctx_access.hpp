// The userspace counterpart of the kernel's convert_ctx_access: rewrites a program's
// context accesses for the host ctx layout (engine_abi/ctx_layout.hpp).
//
// Which registers hold the ctx pointer is found by a small forward dataflow over the
// slots (r1 at entry; `mov64` copies; 8-byte spills to and fills from r10-relative stack
// slots; ctx passed to subprograms in r1..r5). Every load/store whose base is the ctx is
// checked against the layout; loads of data/data_end/data_meta become 64-bit loads of the
// host pointer block. Instructions keep their slots, so jump targets do not move.
//
// Run it after verification and before the interpreter or the lowering, for every
// program type with a ctx layout (Mem programs come back unchanged).
#pragma once

#include "ebpfjit/error.hpp"
#include "ebpfjit/program_type.hpp"
#include "isa/instruction.hpp"

namespace ebpfjit::runtime {

// Errors (with the instruction index): an access to no field of the ctx struct, a field
// this program type may not read or write, a pointer field read with a size other than 4
// or written at all, an atomic on the ctx, and one instruction reached with the ctx in
// its base register on one path and another pointer on another.
Result<isa::Program> rewrite_ctx_access(const isa::Program& program, ProgramType type);

} // namespace ebpfjit::runtime
