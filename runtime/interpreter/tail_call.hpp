// bpf_tail_call for the interpreter, with the JIT's (and the kernel's) order of checks so
// that both engines agree: index >= max_entries -> fall through; 33 tail calls already
// taken -> fall through; count++; empty slot (or an entry with no IR) -> fall through.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "ebpfjit/error.hpp"
#include "helpers/program_bindings.hpp"
#include "isa/instruction.hpp"
#include "engine_abi/execution_state.hpp"

namespace ebpfjit::runtime {

struct TailCallTarget {
    const isa::Program* program;
    const helpers::ProgramBindings* bindings;
    int32_t stack_zero_lo = 0; // [r10 + lo, r10 + hi): zeroed on entry (engine_abi::ProgramEntry)
    int32_t stack_zero_hi = 0;
    const std::vector<bool>* reachable = nullptr; // engine_abi::ProgramEntry's
};

// nullopt: fall through to the next instruction. An error when r2 is not a prog array
// bound to this program (the verifier's job; the interpreter checks it itself).
Result<std::optional<TailCallTarget>> resolve_tail_call(const helpers::ProgramBindings& bindings,
                                                        uint64_t map, uint64_t index,
                                                        engine_abi::ExecutionState& state, uint32_t pc);

} // namespace ebpfjit::runtime
