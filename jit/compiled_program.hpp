// A program compiled to native code: owns the code pages and runs them.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "ebpfjit/error.hpp"
#include "ebpfjit/program_type.hpp"
#include "jit/checked_run.hpp"
#include "jit/executable_memory.hpp"
#include "jit/run_status.hpp"
#include "runtime/guest/memory_region.hpp"
#include "runtime/maps/prog_array.hpp"

namespace ebpfjit::runtime { struct ExecutionState; }

namespace ebpfjit::jit {

inline constexpr uint32_t kNoNativeCode = UINT32_MAX;

class CompiledProgram {
public:
    // `checked`: what the code's run-time checks embed (Lowered::needs_guest_memory), or null.
    CompiledProgram(ExecutableMemory code, uint32_t body_offset, std::vector<uint32_t> slot_offsets,
                    ProgramType type, std::unique_ptr<CheckedProgram> checked = nullptr);

    // Runs from slot 0 with r1, r2. `packet` is what LD_ABS / LD_IND read (empty: every
    // packet load is out of range and returns 0). A fault (callx to an unknown helper id,
    // a checked access outside program memory) is an Error naming the instruction.
    // `regions`: the memory besides the stack and maps that checked code may touch (as the
    // interpreter's run takes them); code the verifier proved never looks at them.
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
    ExecutableMemory code_;
    std::vector<uint32_t> slot_offsets_;
    std::vector<uint32_t> original_slot_; // empty: slots are the program's own
    uint64_t budget_ = 0;                 // 0: compiled without a budget
    ProgramType type_;
    std::unique_ptr<maps::ProgramEntry> tail_entry_;
    std::unique_ptr<CheckedProgram> checked_; // its address is embedded in the code
};

} // namespace ebpfjit::jit
