#include "runtime/run/native_fault.hpp"

#include <fmt/format.h>

#include "isa/instruction.hpp"
#include "jit/unreachable_runs.hpp"
#include "runtime/run/checked_run.hpp"
#include "runtime/run/ebpf_stack.hpp"

namespace ebpfjit::runtime {

using engine_abi::Fault;

Error native_fault_error(const jit::CompiledProgram& code, engine_abi::RunStatus status, const CheckedRun* checked) {
    if (checked != nullptr && checked->error()) return *checked->error();
    status.slot = code.original_slot(status.slot);
    switch (status.fault) {
    case Fault::None: break;
    case Fault::UnknownCallxTarget:
        return Error::at_insn(status.slot, fmt::format("callx: {:#x} is not a helper id", status.value));
    case Fault::BudgetExceeded: // the interpreter's words: one error for both engines
        return Error::at_insn(status.slot,
                              fmt::format("instruction budget of {} exceeded", code.instruction_budget()));
    case Fault::CallbackTooDeep:
        return Error::plain(fmt::format("callbacks nest {} deep: more than the limit of {} frames",
                                        status.value, isa::kMaxCallDepth));
    case Fault::MemoryAccess:
        return Error::at_insn(status.slot, fmt::format("access at {:#x} is outside program memory", status.value));
    case Fault::HelperArgument:
        return Error::at_insn(status.slot, fmt::format("helper #{}: an argument is not program memory", status.value));
    case Fault::UnreachableCode: // the interpreter's words: one error for both engines
        return Error::at_insn(status.slot, jit::kUnreachableCodeText);
    }
    return Error::at_insn(status.slot, "unknown fault");
}

Error no_stack_error() {
    return Error::plain(fmt::format("no eBPF stack for this run: runs nest more than {} deep on one "
                                    "thread, or mapping the stack failed",
                                    engine_abi::kMaxNestedRuns));
}

} // namespace ebpfjit::runtime
