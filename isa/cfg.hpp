// Control-flow facts about a decoded Program, shared by the verifier, the lowering and
// the interpreter's tooling. All slots are absolute (as in Program::insns).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "isa/instruction.hpp"

namespace ebpfjit::isa {

// Where control may go after slot `pc`, within its own subprogram:
//   exit                       -> {}
//   goto / gotol               -> {target}
//   conditional jump           -> {pc + 1, target}   (fallthrough first)
//   LDDW                       -> {pc + 2}
//   anything else, incl. calls -> {pc + 1}            (a call returns to the next slot)
//   LDDW second slot           -> {}                  (not an instruction)
// A successor equal to program.size() means falling off the end; a successor equal to
// the next subprogram's start means falling into it. The caller decides whether that is
// an error (the verifier rejects both).
std::vector<int32_t> successors(const Program& program, int32_t pc);

// Index into program.subprogram_starts of the subprogram containing `pc`.
size_t subprogram_of(const Program& program, int32_t pc);

// Slots [first, end) of subprogram `index`.
std::pair<int32_t, int32_t> subprogram_range(const Program& program, size_t index);

// Sorted slots that start a basic block: 0, every subprogram start, every jump target,
// and every slot following a jump or an exit.
std::vector<int32_t> block_starts(const Program& program);

} // namespace ebpfjit::isa
