// Callbacks in the interpreter (bpf_loop, bpf_for_each_map_elem).
//
// LDDW src 4 loads a value that names the callback: the host address of the callback's
// first instruction in the running Program (unique per program and slot, and checkable).
// A helper runs the callback through ExecutionState::invoke_callback, which the
// interpreter serves by running the subprogram on a fresh frame of the same machine:
//
//   frames:  [entry] ... [caller of the helper] [callback] [its local calls ...]
//                                                 ▲ r1..r5 from the helper, r10 = new frame
//   Exit of the callback frame returns r0 to the helper; all of the caller's registers
//   are restored. The callback frame counts toward the 8-frame limit, its instructions
//   toward the instruction budget. Memory the helper hands over (a map element's key
//   and value) is accessible only while the callback runs.
#pragma once

#include <cstdint>
#include <optional>

#include "isa/instruction.hpp"

namespace ebpfjit::runtime {

// The value LDDW src 4 loads for the subprogram starting at `slot`.
uint64_t callback_value(const isa::Program& program, uint32_t slot);

// The subprogram start a callback value names, or nullopt when it names none of this
// program's subprograms (a forged value, or one from another program).
std::optional<uint32_t> callback_slot(const isa::Program& program, uint64_t value);

} // namespace ebpfjit::runtime
