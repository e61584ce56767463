// A program compiled to native code: the code pages and what a run of them must know.
// Nothing here runs the code; the runtime does (runtime/run/run_scope.hpp, lean_run.hpp),
// from this metadata:
//
//   entry()                 the native entry (EntryFn: r1, r2, packet, RunStatus*)
//   c_entry()               lean stackless code's C entry (CEntryFn: r1, r2, uint64_t* r0), or null
//   run_needs()             what a run must set up besides the entry call (jit::run_needs)
//   instruction_budget()    what RunStatus::budget_left starts at (0: none compiled in)
//   checked()               the code checks accesses at run time (a RunScope's checker)
//   original_slot()         fault locations on the program's own slots (constant blinding)
//   tail_call_entry()       what a prog-array slot holds to tail-call into this code
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "ebpfjit/program_type.hpp"
#include "engine_abi/run_status.hpp"
#include "engine_abi/tail_call_slots.hpp"
#include "jit/checked_program.hpp"
#include "jit/executable_memory.hpp"
#include "jit/run_needs.hpp"

namespace ebpfjit::jit {

inline constexpr uint32_t kNoNativeCode = UINT32_MAX;

class CompiledProgram {
public:
    // `checked`: what the code's run-time checks embed (Lowered::needs_guest_memory), or null.
    CompiledProgram(ExecutableMemory code, uint32_t body_offset, std::vector<uint32_t> slot_offsets,
                    ProgramType type, std::unique_ptr<CheckedProgram> checked = nullptr);

    ProgramType type() const { return type_; }
    // Whether the code checks accesses at run time (some were not proven by the verifier).
    bool checked() const { return checked_ != nullptr; }

    // What a run must set up (decided at compile time: jit::run_needs).
    void set_run_needs(RunNeeds needs) { needs_ = needs; }
    RunNeeds run_needs() const { return needs_; }
    // A run needs no ExecutionState and no checked-run state: runtime::run_lean is a whole run.
    bool lean() const { return !needs_.state && checked_ == nullptr; }

    engine_abi::EntryFn entry() const { return reinterpret_cast<engine_abi::EntryFn>(const_cast<uint8_t*>(code_.data())); }
    // The C entry (jit::wants_c_entry; jit/drive.hpp's emit_c_entry), or nullptr: a second
    // copy of the code that stores r0 through its third argument and returns 0.
    engine_abi::CEntryFn c_entry() const {
        if (c_entry_offset_ == kNoNativeCode) return nullptr;
        return reinterpret_cast<engine_abi::CEntryFn>(const_cast<uint8_t*>(code_.data() + c_entry_offset_));
    }
    void set_c_entry_offset(uint32_t offset) { c_entry_offset_ = offset; }
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
    // The program's own slot for a slot of the code (what a fault names).
    uint32_t original_slot(uint32_t slot) const {
        return slot < original_slot_.size() ? original_slot_[slot] : slot;
    }
    // Programs compiled with an instruction budget: every run starts with this much.
    void set_instruction_budget(uint64_t budget) { budget_ = budget; }
    uint64_t instruction_budget() const { return budget_; }
    // What a prog-array slot holds to tail-call into this program (stable address).
    const engine_abi::ProgramEntry* tail_call_entry() const { return tail_entry_.get(); }
    engine_abi::ProgramEntry* tail_call_entry() { return tail_entry_.get(); }

private:
    ExecutableMemory code_;
    std::vector<uint32_t> slot_offsets_;
    std::vector<uint32_t> original_slot_; // empty: slots are the program's own
    uint64_t budget_ = 0;                 // 0: compiled without a budget
    uint32_t c_entry_offset_ = kNoNativeCode; // kNoNativeCode: no C entry
    RunNeeds needs_;                      // everything, unless the compiler says less
    ProgramType type_;
    std::unique_ptr<engine_abi::ProgramEntry> tail_entry_;
    std::unique_ptr<CheckedProgram> checked_; // its address is embedded in the code
};

} // namespace ebpfjit::jit
