#include "runtime/run/lean_run.hpp"

#include "runtime/run/native_fault.hpp"

namespace ebpfjit::runtime {

Error lean_error(const LeanEntry& lean, const LeanCall& call) {
    if (call.fault() == LeanCall::kNoStack) return no_stack_error();
    return native_fault_error(*lean.code, call.status(), nullptr);
}

} // namespace ebpfjit::runtime
