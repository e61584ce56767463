#include "jit/compiled_program.hpp"

#include <fmt/format.h>

#include "isa/instruction.hpp"

namespace ebpfjit::jit {

CompiledProgram::CompiledProgram(ExecutableMemory code, uint32_t body_offset,
                                 std::vector<uint32_t> slot_offsets, ProgramType type,
                                 std::unique_ptr<CheckedProgram> checked)
    : code_(std::move(code)), slot_offsets_(std::move(slot_offsets)), type_(type),
      tail_entry_(std::make_unique<maps::ProgramEntry>()), checked_(std::move(checked)) {
    tail_entry_->native_entry = code_.data() + body_offset;
}

Result<uint64_t> CompiledProgram::run(uint64_t r1, uint64_t r2, std::span<const uint8_t> packet,
                                      std::span<const runtime::MemoryRegion> regions) const {
    if (lean()) return run_lean(r1, r2, packet.data(), packet.size());
    runtime::ExecutionState state;
    RunScope scope(*this, state);
    return scope.run(r1, r2, packet, regions);
}

// A scope of one run (RunScope: what a run sets up, and why the CheckedRun is lazy).
Result<uint64_t> CompiledProgram::run(uint64_t r1, uint64_t r2, std::span<const uint8_t> packet,
                                      runtime::ExecutionState& state,
                                      std::span<const runtime::MemoryRegion> regions) const {
    if (lean()) { // the fields a run resets, though no helper of this program reads them
        state.type = type_;
        state.ctx = reinterpret_cast<void*>(r1);
        state.tail_calls = 0;
        state.redirect = {};
        return run_lean(r1, r2, packet.data(), packet.size());
    }
    RunScope scope(*this, state);
    return scope.run(r1, r2, packet, regions);
}

// Out of line: keeps the fault's Error construction off every run's path. Locations are
// reported on the original slots (constant blinding renumbers them).
Error CompiledProgram::fault_error(RunStatus status, CheckedRun* checked) const {
    if (checked != nullptr && checked->error()) return *checked->error();
    if (status.slot < original_slot_.size()) status.slot = original_slot_[status.slot];
    switch (status.fault) {
    case Fault::None: break;
    case Fault::UnknownCallxTarget:
        return Error::at_insn(status.slot, fmt::format("callx: {:#x} is not a helper id", status.value));
    case Fault::BudgetExceeded: // the interpreter's words: one error for both engines
        return Error::at_insn(status.slot, fmt::format("instruction budget of {} exceeded", budget_));
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

Error CompiledProgram::no_stack_error() {
    return Error::plain(fmt::format("no eBPF stack for this run: runs nest more than {} deep on one "
                                    "thread, or mapping the stack failed",
                                    kMaxNestedRuns));
}

Result<uint64_t> CompiledProgram::run_mem(std::span<uint8_t> mem) const {
    // The scope inline, not through run(): the region span would go through the stack (the
    // 7th argument), and reloading it as one 16-byte value right after two 8-byte stores
    // stalls store forwarding, a measurable part of a ~10 ns run.
    const auto start = reinterpret_cast<uint64_t>(mem.data());
    if (lean()) return run_lean(start, mem.size(), mem.data(), mem.size());
    const runtime::MemoryRegion input{start, mem.size(), true};
    runtime::ExecutionState state;
    RunScope scope(*this, state);
    return scope.run(input.start, input.size, mem, std::span(&input, 1));
}

} // namespace ebpfjit::jit
