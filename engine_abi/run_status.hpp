// How compiled code reports a run that ended on a fault (rather than at an exit).
// The entry passes a RunStatus*; the code writes it only on the fault path.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ebpfjit::engine_abi {

class RunChecks; // engine_abi/checked_calls.hpp

enum class Fault : uint32_t {
    None = 0,
    UnknownCallxTarget = 1, // callx with a register that names no helper: value = the id
    CallbackTooDeep = 2,    // callbacks nested past the frame limit: value = the nesting
    BudgetExceeded = 3,     // the instruction budget ran out (budget.cpp): value = the budget
    // Checked code (engine_abi/checked_calls.hpp), programs the verifier did not prove:
    MemoryAccess = 4,       // a load/store/atomic outside program memory: value = the address
    HelperArgument = 5,     // a helper argument the prototype forbids: value = the helper id
    // A jump or fall-through into slots the verifier proved unreachable (Facts::reachable):
    // the proof was wrong. slot = the first slot of that unreachable run (jit/unreachable_runs.hpp).
    UnreachableCode = 6,
};

struct RunStatus {
    Fault fault = Fault::None;
    uint32_t slot = 0;  // the instruction that faulted
    uint64_t value = 0; // fault-specific detail
    // Programs compiled with an instruction budget: what is left of it. The code
    // subtracts each charge and faults when it would go below zero.
    uint64_t budget_left = 0;
    // Where checked code finds its run's checker (runtime/run/checked_run.hpp: its state
    // is made at the first check, so a run that never reaches checked code pays nothing
    // for it; a tail call into checked code still finds it, as the status travels in
    // FrameInfo). nullptr outside a RunScope's runs: checked code may then touch nothing.
    RunChecks* checked = nullptr;
    // Where the next frame chain's first r10 goes in the eBPF stack
    // (engine_abi/ebpf_stack_layout.hpp): the entry frame's at a run's start
    // (runtime/run/run_scope.hpp), a callback's while the invoker runs
    // it (kChainBytes lower per nesting level). The code reads it at entry only.
    uint8_t* stack_top = nullptr;
};
inline constexpr int32_t kRunStatusFaultOffset = offsetof(RunStatus, fault);
inline constexpr int32_t kRunStatusSlotOffset = offsetof(RunStatus, slot);
inline constexpr int32_t kRunStatusValueOffset = offsetof(RunStatus, value);
inline constexpr int32_t kRunStatusBudgetOffset = offsetof(RunStatus, budget_left);
inline constexpr int32_t kRunStatusStackTopOffset = offsetof(RunStatus, stack_top);

// The native entry every backend produces (SysV / AAPCS64 C calling convention).
// packet/packet_len: what LD_ABS / LD_IND read (nullptr/0: every packet load is out of range).
using EntryFn = uint64_t (*)(uint64_t r1, uint64_t r2, const uint8_t* packet,
                             uint64_t packet_len, RunStatus* status);

// The C entry of lean stackless code (jit::CompiledProgram::c_entry): the same code, but
// it stores r0 through `r0` and returns 0, so that the C API can tail-jump into it
// (`ebpfjit_program_run_mem` returns what it returns). It has no packet and no status:
// such code reads neither (no LD_ABS, no r10, no budget, no fault).
using CEntryFn = int (*)(uint64_t r1, uint64_t r2, uint64_t* r0);

} // namespace ebpfjit::engine_abi
