// A program compiled to native code: owns the code pages and runs them.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "ebpfjit/error.hpp"
#include "ebpfjit/program_type.hpp"
#include "jit/callback_invoker.hpp"
#include "jit/checked_run.hpp"
#include "jit/ebpf_stack.hpp"
#include "jit/executable_memory.hpp"
#include "jit/run_needs.hpp"
#include "engine_abi/run_status.hpp"
#include "ebpfjit/memory_region.hpp"
#include "engine_abi/execution_state.hpp"
#include "engine_abi/tail_call_slots.hpp"

namespace ebpfjit::jit {

inline constexpr uint32_t kNoNativeCode = UINT32_MAX;

class RunScope;

class CompiledProgram {
public:
    // `checked`: what the code's run-time checks embed (Lowered::needs_guest_memory), or null.
    CompiledProgram(ExecutableMemory code, uint32_t body_offset, std::vector<uint32_t> slot_offsets,
                    ProgramType type, std::unique_ptr<CheckedProgram> checked = nullptr);

    // Runs from slot 0 with r1, r2. `packet` is what LD_ABS / LD_IND read (empty: every
    // packet load is out of range and returns 0). A fault (callx to an unknown helper id,
    // a checked access outside program memory) is an Error naming the instruction.
    // `regions`: the memory besides the stack and maps that checked code may touch (as the
    // interpreter's run takes them); code the verifier proved never looks at them, but a
    // checked program it tail-calls does.
    Result<uint64_t> run(uint64_t r1, uint64_t r2, std::span<const uint8_t> packet = {},
                         std::span<const runtime::MemoryRegion> regions = {}) const;
    // The same with the caller's per-run state (runtime::ExecutionState): `state.cpu` goes
    // in, what helpers record (the redirect decision) comes out; type, ctx, tail-call
    // count and redirect are reset here, as Interpreter::run does.
    Result<uint64_t> run(uint64_t r1, uint64_t r2, std::span<const uint8_t> packet,
                         runtime::ExecutionState& state,
                         std::span<const runtime::MemoryRegion> regions = {}) const;
    // `mem` programs: r1 = mem.data(), r2 = mem.size(), and mem is also the packet (and
    // the one writable region).
    Result<uint64_t> run_mem(std::span<uint8_t> mem) const;
    // Whether the code checks accesses at run time (some were not proven by the verifier).
    bool checked() const { return checked_ != nullptr; }

    // What a run must set up (decided at compile time: jit::run_needs).
    void set_run_needs(RunNeeds needs) { needs_ = needs; }
    RunNeeds run_needs() const { return needs_; }
    // A run needs no ExecutionState and no checked-run state: run_lean() is a whole run.
    bool lean() const { return !needs_.state && checked_ == nullptr; }
    // One run of a lean() program (the caller checks lean()): a RunStatus on the stack, the
    // eBPF stack level if the code uses r10, the entry call; no thread-local is written
    // and nothing is built unless the run faults. `packet`: what LD_ABS / LD_IND read.
    // The state a helper could reach is absent: a nested run (a lean program run from a
    // helper of another run) still takes the next eBPF stack level.
    // Always inlined: a call layer is a measurable share of a ~3 ns run, even at -O1.
    [[gnu::always_inline]] Result<uint64_t> run_lean(uint64_t r1, uint64_t r2, const uint8_t* packet,
                                                     uint64_t packet_len) const {
        RunStatus status;
        status.budget_left = budget_;
        bool nested = false;
        if (needs_.stack) {
            nested = runtime::ExecutionState::current() != nullptr;
            status.stack_top = EbpfStacks::enter(nested);
            if (status.stack_top == nullptr) [[unlikely]]
                return fail(no_stack_error());
        }
        const uint64_t r0 = entry()(r1, r2, packet, packet_len, &status);
        if (needs_.stack) EbpfStacks::leave(nested);
        if (status.fault == Fault::None) [[likely]] return r0;
        return fail(fault_error(status, nullptr));
    }

    EntryFn entry() const { return reinterpret_cast<EntryFn>(const_cast<uint8_t*>(code_.data())); }
    const uint8_t* code() const { return code_.data(); }
    size_t code_size() const { return code_.code_size(); }
    // Native offset of each slot's first instruction (kNoNativeCode: emits nothing).
    std::span<const uint32_t> slot_offsets() const { return slot_offsets_; }
    // After a rewrite that changed slot numbers (constant blinding): offsets and fault
    // locations are reported on the original slots. `original_slot`: new slot -> original.
    void use_original_slots(std::vector<uint32_t> slot_offsets, std::vector<uint32_t> original_slot) {
        slot_offsets_ = std::move(slot_offsets);
        original_slot_ = std::move(original_slot);
    }
    // Programs compiled with an instruction budget: every run starts with this much.
    void set_instruction_budget(uint64_t budget) { budget_ = budget; }
    uint64_t instruction_budget() const { return budget_; }
    // What a prog-array slot holds to tail-call into this program (stable address).
    const maps::ProgramEntry* tail_call_entry() const { return tail_entry_.get(); }
    maps::ProgramEntry* tail_call_entry() { return tail_entry_.get(); }

private:
    friend class RunScope;
    [[gnu::cold, gnu::noinline]] Error fault_error(RunStatus status, CheckedRun* checked) const;
    [[gnu::cold, gnu::noinline]] static Error no_stack_error();

    ExecutableMemory code_;
    std::vector<uint32_t> slot_offsets_;
    std::vector<uint32_t> original_slot_; // empty: slots are the program's own
    uint64_t budget_ = 0;                 // 0: compiled without a budget
    RunNeeds needs_;                      // everything, unless the compiler says less
    ProgramType type_;
    std::unique_ptr<maps::ProgramEntry> tail_entry_;
    std::unique_ptr<CheckedProgram> checked_; // its address is embedded in the code
};

// Runs of one program on the calling thread with one ExecutionState (a burst). What the
// runs share is set once, as DPDK's rte_bpf_exec_burst does: the thread's current
// ExecutionState, the callback hook (bpf_loop, bpf_for_each_map_elem), the RunStatus
// that FrameInfo carries and the thread's eBPF stack level (jit/ebpf_stack.hpp). Each run resets only its own fields (ctx, tail-call count,
// redirect, fault, budget) and the regions checked code may touch; the CheckedRun is made
// only if checked code runs (jit/checked_run.hpp). CompiledProgram::run is a scope of one run.
//
// A helper may start a nested run (of any program) inside a run: it opens its own scope,
// which installs its own ExecutionState and restores this one when it closes.
//
// g++ 12 reports the hook stored into the caller's state as a dangling pointer wherever the
// constructor is inlined; the destructor takes it back out before the scope ends.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdangling-pointer"
class RunScope {
public:
    RunScope(const CompiledProgram& program, runtime::ExecutionState& state)
        : program_(program), state_(state), previous_(runtime::ExecutionState::current()),
          callbacks_(status_) {
        status_.stack_top = EbpfStacks::enter(previous_ != nullptr);
        state_.type = program.type_;
        state_.callbacks = callbacks_.invoker();
        status_.checked = &checked_;
        runtime::ExecutionState::current() = &state_;
    }
    // The callback hook points into this scope: it goes with it.
    ~RunScope() {
        if (status_.stack_top != nullptr) EbpfStacks::leave(previous_ != nullptr);
        state_.callbacks = {};
        runtime::ExecutionState::current() = previous_;
    }
    RunScope(const RunScope&) = delete;
    RunScope& operator=(const RunScope&) = delete;

    // One run, as CompiledProgram::run; `regions` must stay valid until it returns.
    Result<uint64_t> run(uint64_t r1, uint64_t r2, std::span<const uint8_t> packet,
                         std::span<const runtime::MemoryRegion> regions = {}) {
        if (status_.stack_top == nullptr) [[unlikely]]
            return fail(CompiledProgram::no_stack_error());
        state_.ctx = reinterpret_cast<void*>(r1);
        state_.tail_calls = 0;
        state_.redirect = {};
        status_.fault = Fault::None;
        status_.budget_left = program_.budget_;
        checked_.reset(regions);
        const uint64_t r0 = program_.entry()(r1, r2, packet.data(), packet.size(), &status_);
        if (status_.fault == Fault::None) [[likely]] return r0;
        return fail(program_.fault_error(status_, checked_.made()));
    }

private:
    const CompiledProgram& program_;
    runtime::ExecutionState& state_;
    runtime::ExecutionState* previous_;
    RunStatus status_;
    LazyCheckedRun checked_;
    JitCallbacks callbacks_;
};
#pragma GCC diagnostic pop

} // namespace ebpfjit::jit
