// The x86-64 backend's working state: one Emitter per emission pass. Each concern
// (prologue, ALU, memory, jumps, calls, atomics) is a group of member functions defined
// in its own .cpp file.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <asmjit/x86.h>

#include "jit/checked_program.hpp"
#include "jit/drive.hpp"
#include "jit/emit_instruction.hpp"
#include "jit/lowering.hpp"
#include "jit/x86_64/register_map.hpp"

namespace ebpfjit::jit::x86_64 {

// Forward jumps to labels not yet bound are emitted long in the first pass; the second
// pass makes short every jump whose first-pass distance fitted in rel8 (code only shrinks
// between passes, so the distance still fits). Jumps are matched by emission order.
struct JumpPlan {
    std::vector<bool> short_ok;     // per forward jump, from the previous pass
    std::vector<uint32_t> ends;     // this pass: offset after each jump
    std::vector<uint32_t> label_ids; // this pass: its target label
};

struct EmitOptions {
    bool bmi2 = true; // shlx/shrx/sarx for variable shifts (no rcx juggling)
    std::function<std::string(uint32_t slot)> annotate; // comment before each slot (listings)
    const CheckedProgram* checked = nullptr; // embedded by the run-time checks (needs_guest_memory)
};

class Emitter {
public:
    Emitter(x86::Assembler& a, const Lowered& lowered, const EmitOptions& options, JumpPlan& plan);

    uint32_t jumps_emitted() const { return jump_count_; }
    const uint32_t* current_slot() const { return &pc_; } // FirstError locates errors with it
    // Where tail calls into this program land (valid after jit::drive).
    uint32_t body_entry_offset() const {
        return static_cast<uint32_t>(a_.code()->labelOffset(body_entry_));
    }
    // The C entry's offset (drive.hpp's emit_c_entry), or kNoNativeCode when it has none.
    uint32_t c_entry_offset() const {
        return a_.code()->isLabelBound(c_entry_) ? static_cast<uint32_t>(a_.code()->labelOffset(c_entry_))
                                                 : kNoNativeCode;
    }

private:
    template <class E>
    friend void jit::emit_instruction(E&, const isa::Instruction&);
    template <class E>
    friend void jit::drive(E&, std::vector<uint32_t>&);
    template <class E>
    friend void jit::emit_subprogram_body(E&, uint32_t, std::vector<uint32_t>&);
    template <class E>
    friend void jit::emit_c_entry(E&);
    template <class E>
    friend void jit::emit_loop_version(E&, const LoopVersion&);
    void bind(const asmjit::Label& label) { a_.bind(label); }

    // prologue.cpp
    // The entry frame this program gets (frame_layout.hpp): the full frame, or a lean one
    // saving only the callee-saved registers the program writes.
    struct EntryFrame {
        bool full = true;
        std::vector<x86::Gpq> saved; // push order
        int32_t size = 0;            // bytes below the pushes (FrameInfo, or the trap's status slot and padding)
        bool stack = false;          // eBPF r10 = rbp = RunStatus::stack_top
        // Lean frames with unreachable-code traps (EntryFrameNeeds::trap_status): the
        // RunStatus* at [bottom + status_at] (-1: no slot), and r12 = the bottom when
        // local calls move rsp (`anchor`; without them rsp is the bottom at every slot).
        int32_t status_at = -1;
        bool anchor = false;
    };
    static EntryFrame plan_entry_frame(const Lowered& lowered);
    void emit_entry_prologue();
    void emit_frame_info(const asmjit::Operand& packet, const asmjit::Operand& packet_len,
                         const x86::Gpq& status);
    void emit_tail_call_landing();
    void emit_local_prologue();
    void emit_stack_zero(int32_t lo, int32_t hi); // stack_zero.cpp: [r10 + lo, r10 + hi) = 0
    void emit_epilogue(bool entry);
    void emit_abort_path();
    // The C entry's frame (drive.hpp's emit_c_entry; frame_layout.hpp).
    void emit_c_entry_prologue();
    void emit_c_entry_epilogue();

    // callbacks.cpp: a C-callable entry per callback subprogram (LDDW src 4 loads it).
    void emit_callback_thunks();

    // checks.cpp: run-time checks where the verifier proved nothing (engine_abi/checked_calls.hpp).
    void emit_access_check(uint8_t base, int16_t off, uint32_t size, engine_abi::AccessKind kind);
    void emit_helper_check(const x86::Gpq& id_or_none, int32_t id);
    void emit_helper_result();
    void emit_check_stubs();
    void emit_stub_call(const void* fn);
    void emit_access_misses();
    void emit_empty_access_cache();
    void emit_zero_at_entry();

    // budget.cpp: the instruction-budget charge before a slot, and its fault stubs.
    void emit_budget_charge();
    void emit_budget_faults();
    void emit_budget_load();  // the counter's register from RunStatus (Lowered::budget_reg)
    void emit_budget_flush(); // and back

    // unreachable.cpp: a trapped unreachable run's trap, and the stub they share.
    void emit_unreachable_trap(uint32_t first);
    void emit_unreachable_stub();

    // block_ops.cpp: a byte-copy/fill loop as rep movsb / rep stosb (jit/idioms.hpp).
    void emit_block_op(const BlockOp& op);
    void emit_idiom_expr(const x86::Gpq& out, const IdiomExpr& e);
    // compare_ops.cpp: a byte-compare/scan loop fast-forwarded with SSE2 (jit/idioms.hpp).
    void emit_compare_op(const BlockOp& op);

    // hoisted_checks.cpp: a loop version's range checks (jit/hoist_checks.hpp).
    void emit_range_checks(const LoopVersion& v);
    void emit_range_stub();
    void jump_to(const asmjit::Label& target) { jump(x86::Inst::kIdJmp, target); }

    // alu.cpp
    void emit_alu(const isa::Alu& insn);
    void emit_alu_reg(const isa::Alu& insn, uint8_t src);
    void emit_alu_imm(const isa::Alu& insn);
    void emit_mov_add(const isa::Alu& mov);
    void emit_shift(const isa::Alu& insn);
    void emit_division(const isa::Alu& insn);
    void emit_magic_division(const isa::Alu& insn, const MagicDivision& plan); // division_by_constant.cpp
    void emit_endian(const isa::Endian& insn);

    // memory.cpp
    void emit_load(const isa::Load& insn);
    void emit_store(const isa::Store& insn);
    void emit_load_imm64(const isa::LoadImm64& insn);
    void emit_packet_load(const isa::PacketLoad& insn);

    // atomics.cpp
    void emit_atomic(const isa::Atomic& insn);
    void emit_atomic_fetch_loop(const isa::Atomic& insn);

    // jumps.cpp
    void emit_jump(const isa::Jump& insn);
    void jump(x86::Inst::Id inst, const asmjit::Label& target);

    // calls.cpp
    void emit_call(const isa::Call& insn);
    void emit_inline_array_lookup(); // map_lookup.cpp
    void emit_callx(const isa::CallX& insn);
    void emit_tail_call();
    void emit_exit();

    // retpoline.cpp: indirect calls and jumps (through a retpoline when asked), helper calls.
    void call_indirect(const x86::Gpq& target);
    void jump_indirect(const x86::Gpq& target);
    void call_helper(helpers::HelperFn fn);
    void use_retpoline();
    void emit_retpoline_thunk();

    x86::Mem slot_mem(uint8_t base, int16_t off, uint32_t size) const;

    x86::Assembler& a_;
    const Lowered& lowered_;
    const EmitOptions& options_;
    JumpPlan& plan_;
    uint32_t jump_count_ = 0;

    uint32_t pc_ = 0;            // slot being emitted
    const LoweredSlot* slot_ = nullptr;
    std::vector<asmjit::Label> labels_; // per slot (valid where LoweredSlot::label)
    std::vector<asmjit::Label> epilogues_; // per subprogram
    std::vector<asmjit::Label> thunks_; // per slot: valid at callback subprogram starts
    EntryFrame frame_;
    asmjit::Label code_start_;   // the C entry
    asmjit::Label body_entry_;   // tail calls land here
    asmjit::Label c_entry_;      // the C entry's copy of the code (bound only when wants_c_entry)
    bool c_r0_in_r9_ = false;    // the C entry keeps its r0 pointer in r9, else on the stack
    int32_t c_padding_ = 0;      // the C entry's padding below its pushes
    asmjit::Label callx_table_;  // embedded after the code: one function pointer per helper id
    std::vector<int32_t> last_emitted_; // per subprogram: its last slot that emits code
    asmjit::Label abort_;        // return r0 = 0 from the whole program (unwinds local calls)
    std::vector<std::pair<asmjit::Label, uint32_t>> callx_faults_; // out-of-line stubs
    std::vector<std::pair<asmjit::Label, uint32_t>> budget_faults_; // out-of-line stubs
    asmjit::Label retpoline_; // valid once an indirect branch needs the thunk
    asmjit::Label access_stub_, helper_check_stub_, helper_result_stub_; // checks.cpp
    asmjit::Label range_stub_; // hoisted_checks.cpp
    asmjit::Label unreachable_stub_; // unreachable.cpp
    struct AccessMiss { // a checked access's stub call, after the code (jit/access_cache.hpp)
        asmjit::Label miss, back;
        uint64_t what;
        uint8_t base; // the access's address: base register + offset
        int16_t off;
        uint32_t entry; // its region-cache entry
    };
    std::vector<AccessMiss> access_misses_;
};

} // namespace ebpfjit::jit::x86_64
