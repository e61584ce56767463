#include "runtime/run/lean_run.hpp"

#include "runtime/run/native_fault.hpp"

namespace ebpfjit::runtime {

Error lean_error(const LeanEntry& lean, const jit::RunStatus& status) {
    if (status.fault == jit::Fault::None) return no_stack_error(); // enter_lean found no level
    return native_fault_error(*lean.code, status, nullptr);
}

} // namespace ebpfjit::runtime
