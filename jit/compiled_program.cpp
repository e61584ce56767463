#include "jit/compiled_program.hpp"

#include <fmt/format.h>

#include "isa/instruction.hpp"
#include "jit/callback_invoker.hpp"
#include "runtime/execution_state.hpp"

namespace ebpfjit::jit {

namespace {
// Out of line: keeps the fault's Error construction off every run's path.
[[gnu::cold, gnu::noinline]] Error fault_error(const RunStatus& status, const CheckedRun& checked) {
    if (checked.error()) return *checked.error();
    switch (status.fault) {
    case Fault::None: break;
    case Fault::UnknownCallxTarget:
        return Error::at_insn(status.slot, fmt::format("callx: {:#x} is not a helper id", status.value));
    case Fault::BudgetExceeded: // the interpreter's words: one error for both engines
        return Error::at_insn(status.slot, fmt::format("instruction budget of {} exceeded", status.value));
    case Fault::CallbackTooDeep:
        return Error::plain(fmt::format("callbacks nest {} deep: more than the limit of {} frames",
                                        status.value, isa::kMaxCallDepth));
    case Fault::MemoryAccess:
        return Error::at_insn(status.slot, fmt::format("access at {:#x} is outside program memory", status.value));
    case Fault::HelperArgument:
        return Error::at_insn(status.slot, fmt::format("helper #{}: an argument is not program memory", status.value));
    }
    return Error::at_insn(status.slot, "unknown fault");
}
} // namespace

CompiledProgram::CompiledProgram(ExecutableMemory code, uint32_t body_offset,
                                 std::vector<uint32_t> slot_offsets, ProgramType type,
                                 std::unique_ptr<CheckedProgram> checked)
    : code_(std::move(code)), slot_offsets_(std::move(slot_offsets)), type_(type),
      tail_entry_(std::make_unique<maps::ProgramEntry>()), checked_(std::move(checked)) {
    tail_entry_->native_entry = code_.data() + body_offset;
}

Result<uint64_t> CompiledProgram::run(uint64_t r1, uint64_t r2, std::span<const uint8_t> packet,
                                      std::span<const runtime::MemoryRegion> regions) const {
    runtime::ExecutionState state;
    return run(r1, r2, packet, state, regions);
}

// The CheckedRun is set for every run (a few stores): a checked program may be reached by
// a tail call from one that is not. Its guest memory is built only at the first check.
Result<uint64_t> CompiledProgram::run(uint64_t r1, uint64_t r2, std::span<const uint8_t> packet,
                                      runtime::ExecutionState& state,
                                      std::span<const runtime::MemoryRegion> regions) const {
    state.type = type_;
    state.ctx = reinterpret_cast<void*>(r1);
    state.tail_calls = 0;
    state.redirect = {};
    runtime::ExecutionState* previous = runtime::ExecutionState::current();
    runtime::ExecutionState::current() = &state;
    CheckedRun checked(regions);
    CheckedRun* previous_checked = CheckedRun::current();
    CheckedRun::current() = &checked;
    RunStatus status;
    status.budget_left = budget_;
    JitCallbacks callbacks(status); // bpf_loop / for_each_map_elem call back through this
    state.callbacks = callbacks.invoker();
    const uint64_t r0 = entry()(r1, r2, packet.data(), packet.size(), &status);
    runtime::ExecutionState::current() = previous;
    CheckedRun::current() = previous_checked;
    if (status.fault == Fault::None) [[likely]] return r0;
    if (status.slot < original_slot_.size()) status.slot = original_slot_[status.slot];
    if (status.fault == Fault::BudgetExceeded) status.value = budget_;
    return fail(fault_error(status, checked));
}

Result<uint64_t> CompiledProgram::run_mem(std::span<uint8_t> mem) const {
    const runtime::MemoryRegion input{reinterpret_cast<uint64_t>(mem.data()), mem.size(), true};
    return run(input.start, input.size, mem, std::span(&input, 1));
}

} // namespace ebpfjit::jit
