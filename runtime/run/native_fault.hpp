// The Error a native run's fault becomes: RunStatus holds its kind, slot and value (what
// the code could write on its abort path), the CheckedRun the full text of a checked
// access's refusal. Out of line and cold, so that no run's path builds an Error.
#pragma once

#include "ebpfjit/error.hpp"
#include "engine_abi/run_status.hpp"
#include "jit/compiled_program.hpp"

namespace ebpfjit::runtime {

class CheckedRun;

// Locations are reported on the program's own slots (constant blinding renumbers them).
[[gnu::cold, gnu::noinline]] Error native_fault_error(const jit::CompiledProgram& code, engine_abi::RunStatus status,
                                                      const CheckedRun* checked);
// No eBPF stack level for a run (runtime/run/ebpf_stack.hpp).
[[gnu::cold, gnu::noinline]] Error no_stack_error();

} // namespace ebpfjit::runtime
