// The one backend driver, shared by the x86-64 and ARM64 backends (after the precedent of
// emit_instruction and entry_frame_needs): which labels a program gets, the order of
// subprograms, slots and out-of-line stubs, the callx table, and asmjit's first error
// located at its instruction. A backend's Emitter keeps only encodings; it befriends
// drive() and names its members alike (labels_, thunks_, epilogues_, ...; bind(),
// emit_entry_prologue(), emit_local_prologue(), emit_epilogue(), the stub emitters).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <asmjit/core.h>

#include "jit/compiled_program.hpp"
#include "jit/emit_instruction.hpp"
#include "jit/lowering.hpp"

namespace ebpfjit::jit {

// Keeps asmjit's first error and the slot being emitted when it happened (asmjit reports
// through a handler, not return values we could thread through every emit call).
class FirstError : public asmjit::ErrorHandler {
public:
    void handleError(asmjit::Error err, const char* message, asmjit::BaseEmitter*) override {
        if (error == asmjit::kErrorOk) {
            error = err;
            text = message;
            slot = current_slot != nullptr ? *current_slot : 0;
        }
    }
    const uint32_t* current_slot = nullptr; // the emitter's slot being emitted
    asmjit::Error error = asmjit::kErrorOk;
    std::string text;
    uint32_t slot = 0;
};

// A loop with hoisted checks (hoist_checks.hpp), before the head's label: the backend's
// range checks (a refusal jumps to the head's label: the checked loop), then the loop's
// slots once more with the hoisted accesses unchecked, the head's label standing for the
// version's own head meanwhile (the body's only jump to inside the loop is its back edge),
// then a jump to the exit; a copy or fill version starts with its block op. Slot offsets,
// the labels inside the loop and its block ops belong to the loop itself, not to the
// version.
template <class Emitter>
void emit_loop_version(Emitter& e, const LoopVersion& v) {
    const Lowered& lowered = e.lowered_;
    e.emit_range_checks(v);
    const asmjit::Label loop = e.labels_[v.head];
    e.labels_[v.head] = e.a_.newLabel();
    if (v.block_op) e.emit_block_op(*v.block_op); // falls back to the version
    e.bind(e.labels_[v.head]);
    auto unchecked = v.unchecked.begin();
    for (uint32_t pc = v.head; pc <= v.back_edge; ++pc) {
        const LoweredSlot& slot = lowered.slots[pc];
        if (slot.unreachable_run >= 0) { // the copy's own trap: its fall-through stays in the copy
            e.pc_ = pc;
            e.emit_unreachable_trap(lowered.unreachable_runs[static_cast<size_t>(slot.unreachable_run)].first);
        }
        if (!slot.emit || slot.fused_add) continue;
        LoweredSlot copy = slot;
        while (unchecked != v.unchecked.end() && *unchecked < pc) ++unchecked;
        if (unchecked != v.unchecked.end() && *unchecked == pc) copy.checked_access = false;
        e.pc_ = pc;
        e.slot_ = &copy;
        if (slot.budget_charge != 0) e.emit_budget_charge();
        emit_instruction(e, slot.insn);
    }
    e.labels_[v.head] = loop;
    e.pc_ = v.back_edge;
    e.jump_to(e.labels_[v.exit]);
}

// The slots of subprogram `s` (its labels from e.labels_), each one's native offset into
// `slot_offsets`.
template <class Emitter>
void emit_subprogram_body(Emitter& e, uint32_t s, std::vector<uint32_t>& slot_offsets) {
    const Lowered& lowered = e.lowered_;
    auto& a = e.a_;
    const Subprogram& sub = lowered.subprograms[s];
    for (int32_t i = sub.start; i < sub.end; ++i) {
        const auto pc = static_cast<uint32_t>(i);
        const LoweredSlot& slot = lowered.slots[pc];
        if (slot.block_op >= 0) { // before the head's label: the back edge skips it
            e.pc_ = pc;
            e.slot_ = &slot;
            e.emit_block_op(lowered.block_ops[static_cast<size_t>(slot.block_op)]);
        }
        if (slot.loop_version >= 0) emit_loop_version(e, lowered.loop_versions[static_cast<size_t>(slot.loop_version)]);
        if (slot.label) e.bind(e.labels_[pc]);
        if (s != 0 && i == sub.start) {
            e.emit_local_prologue();
            if (sub.zero_lo < sub.zero_hi) e.emit_stack_zero(sub.zero_lo, sub.zero_hi);
        }
        if (slot.unreachable_run >= 0) { // after the run's labels: a jump to any of them traps
            e.pc_ = pc;
            e.emit_unreachable_trap(lowered.unreachable_runs[static_cast<size_t>(slot.unreachable_run)].first);
        }
        if (!slot.emit) continue;
        slot_offsets[pc] = static_cast<uint32_t>(a.offset());
        if (slot.fused_add) continue; // emitted by the previous slot's add (x86-64: lea)
        if (e.options_.annotate) a.comment(e.options_.annotate(pc).c_str());
        e.pc_ = pc;
        e.slot_ = &slot;
        if (slot.budget_charge != 0) e.emit_budget_charge();
        // A budget counter in a register is stored before anything outside this code runs
        // and reloaded after it (jit/budget.cpp): a helper, or a tail call's target, which
        // charges RunStatus.
        const bool leaves = lowered.budget_reg != 0 &&
                            (slot.call != CallRole::None || std::holds_alternative<isa::CallX>(slot.insn));
        if (leaves) e.emit_budget_flush();
        emit_instruction(e, slot.insn);
        if (leaves) e.emit_budget_load();
    }
}

// The C entry (CompiledProgram::c_entry, CEntryFn: `int entry(r1, r2, uint64_t* r0)`):
// the entry subprogram emitted a second time, between a prologue that keeps the r0
// pointer and an epilogue that stores r0 through it and returns 0.
//
// Why a second copy and not a stub around the first: a stub would `call` the C-ABI entry
// and store r0 after it returns, which is the call/return pair the C API paid before
// (docs/performance.md, issue 18 item 2, rounds 6 and 7: 2.7-3.3 ns through the C API
// then, 1.9 ns with the tail jump into the copy, the bare JIT call 1.6 ns).
// With the store in the code's own epilogue the C API tail-jumps here and its caller's
// `call` is the only one. Why not one body with two prologues: the epilogue would have to
// test which entry ran (or keep a return continuation), a cost on every run of both.
// The copy doubles only emission, never lowering or verification, and only for code
// that wants_c_entry (lean stackless: one subprogram, no r10, no FrameInfo, no out-of-line
// stubs that tie code to one copy; at most kCEntryMaxSlots slots).
template <class Emitter>
void emit_c_entry(Emitter& e) {
    const Lowered& lowered = e.lowered_;
    auto& a = e.a_;
    // Fresh labels: the copy's jumps stay in the copy. (Stubs after the code, bound once,
    // may be reached from both copies; a lean stackless program has none of them today.)
    for (size_t pc = 0; pc < lowered.slots.size(); ++pc)
        if (lowered.slots[pc].label) e.labels_[pc] = a.newLabel();
    e.epilogues_[0] = a.newLabel();
    // Aligned like a function. x86-64's second pass may grow this padding while the code
    // before it shrinks; no jump it made short crosses the padding (the first copy's jumps
    // end at its own epilogue, and calls to the retpoline thunk are never short).
    a.align(asmjit::AlignMode::kCode, 16);
    e.bind(e.c_entry_);
    if (e.options_.annotate) a.comment("; C entry: int entry(uint64_t r1, uint64_t r2, uint64_t* r0)");
    e.emit_c_entry_prologue();
    std::vector<uint32_t> copy_offsets(lowered.slots.size(), kNoNativeCode); // the slots map to the first copy
    emit_subprogram_body(e, 0, copy_offsets);
    e.bind(e.epilogues_[0]);
    e.emit_c_entry_epilogue();
}

// Emits the whole program: per-slot native offsets into `slot_offsets` (kNoNativeCode
// where a slot emits nothing).
template <class Emitter>
void drive(Emitter& e, std::vector<uint32_t>& slot_offsets) {
    const Lowered& lowered = e.lowered_;
    auto& a = e.a_;
    // One walk over the slots for labels and thunk labels (slot walks dominate compile time).
    const size_t n = lowered.slots.size();
    e.labels_.assign(n, asmjit::Label());
    e.thunks_.assign(n, asmjit::Label());
    for (size_t pc = 0; pc < n; ++pc) {
        const LoweredSlot& slot = lowered.slots[pc];
        if (slot.label) e.labels_[pc] = a.newLabel();
        if (slot.emit && slot.code_target >= 0 && !e.thunks_[static_cast<size_t>(slot.code_target)].isValid())
            e.thunks_[static_cast<size_t>(slot.code_target)] = a.newLabel();
    }
    e.epilogues_.clear();
    e.last_emitted_.clear();
    for (const Subprogram& sub : lowered.subprograms) {
        e.epilogues_.push_back(a.newLabel());
        int32_t last = sub.start;
        for (int32_t pc = sub.end - 1; pc >= sub.start; --pc) { // from the end: usually one step
            const LoweredSlot& slot = lowered.slots[static_cast<size_t>(pc)];
            if (slot.emit || slot.unreachable_run >= 0) { // an exit before a trap jumps to the epilogue
                last = pc;
                break;
            }
        }
        e.last_emitted_.push_back(last);
    }
    e.frame_ = Emitter::plan_entry_frame(lowered);
    e.code_start_ = a.newLabel();
    e.body_entry_ = a.newLabel();
    e.abort_ = a.newLabel();
    e.callx_table_ = a.newLabel();
    e.c_entry_ = a.newLabel(); // bound only when wants_c_entry
    e.callx_faults_.clear();
    e.access_stub_ = a.newLabel();
    e.helper_check_stub_ = a.newLabel();
    e.helper_result_stub_ = a.newLabel();
    e.range_stub_ = a.newLabel();
    e.unreachable_stub_ = a.newLabel();
    slot_offsets.assign(n, kNoNativeCode);

    e.bind(e.code_start_);
    for (uint32_t s = 0; s < lowered.subprograms.size(); ++s) {
        const Subprogram& sub = lowered.subprograms[s];
        if (s == 0) e.emit_entry_prologue();
        // Before slot 0's label: a jump back to slot 0 must not zero again.
        if (s == 0 && sub.zero_lo < sub.zero_hi) e.emit_stack_zero(sub.zero_lo, sub.zero_hi);
        emit_subprogram_body(e, s, slot_offsets);
        e.bind(e.epilogues_[s]);
        e.emit_epilogue(s == 0);
    }
    if (wants_c_entry(lowered)) emit_c_entry(e);
    e.emit_budget_faults();
    if (!lowered.unreachable_runs.empty()) e.emit_unreachable_stub();
    e.emit_abort_path();
    e.emit_check_stubs();
    e.emit_callback_thunks();
    if (!e.frame_.full) e.emit_tail_call_landing();
    if constexpr (requires { e.emit_retpoline_thunk(); }) e.emit_retpoline_thunk();
    if (lowered.has_callx) { // bound even when empty: every callx then faults
        a.align(asmjit::AlignMode::kData, 8);
        e.bind(e.callx_table_);
        for (helpers::HelperFn fn : lowered.callx_table) a.embedUInt64(reinterpret_cast<uint64_t>(fn));
    }
}

} // namespace ebpfjit::jit
