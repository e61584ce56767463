// What the JIT embeds for a program with run-time checks (Lowered::needs_guest_memory):
// the compile-time half of checked code. The calls the code makes and the checker's
// interface are engine_abi/checked_calls.hpp; the checker is the runtime's
// (runtime/run/checked_run.hpp).
#pragma once

#include "engine_abi/checked_calls.hpp"
#include "helpers/program_bindings.hpp"

namespace ebpfjit::jit {

// Per compiled program, at a stable address the code embeds (owned by CompiledProgram).
struct CheckedProgram {
    helpers::ProgramBindings bindings; // maps (direct values, map arguments) and helpers
};

} // namespace ebpfjit::jit
