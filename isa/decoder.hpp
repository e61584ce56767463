// Raw little-endian instruction words -> typed IR, rejecting anything malformed.
#pragma once

#include <cstdint>
#include <span>

#include "ebpfjit/error.hpp"
#include "isa/instruction.hpp"

namespace ebpfjit::isa {

// The kernel's limit for privileged loaders (BPF_COMPLEXITY_LIMIT_INSNS): longer programs
// are rejected before any work proportional to their size.
inline constexpr uint32_t kMaxProgramSlots = 1'000'000;

// Decodes a whole program. Every error names the instruction (slot) index. Rejects:
// unknown opcodes, non-zero reserved fields, registers above 10, writes to r10,
// a truncated LDDW, more than kMaxProgramSlots slots, jumps/calls out of the program or
// into an LDDW's second slot.
// Fills Program::subprogram_starts.
Result<Program> decode(std::span<const RawInsn> raw);

// Same, from bytes; the length must be a non-zero multiple of 8.
Result<Program> decode_bytes(std::span<const uint8_t> bytes);

} // namespace ebpfjit::isa
