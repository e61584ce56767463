// The ARM64 backend's working state: one Emitter per program. Each concern (prologue,
// immediates, ALU, memory, jumps, calls, atomics) is a group of member functions defined
// in its own .cpp file.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <asmjit/arm.h>
#include <asmjit/arm/a64assembler.h>

#include "jit/arm64/register_map.hpp"
#include "jit/checked_program.hpp"
#include "jit/drive.hpp"
#include "jit/emit_instruction.hpp"
#include "jit/lowering.hpp"

namespace ebpfjit::jit::arm64 {

// A64 PC-relative reaches, checked for every branch the emitter records (a program too
// large for them is an Error naming the instruction, never an assert).
enum class Reach : uint8_t {
    Imm19, // b.cond, cbz/cbnz, adr (adr's imm21 counts bytes: the same ±1 MiB)
    Imm26, // b, bl: ±128 MiB
};

struct BranchRecord {
    uint32_t slot;      // the eBPF instruction that emitted it
    uint32_t offset;    // native offset of the branch
    uint32_t label_id;  // its target
    Reach reach;
    const char* what;   // mnemonic, for the error
};

// One branch's reach: an Error naming its instruction when `target` (a native offset;
// kNoNativeCode: never placed) lies outside [offset - 2^20, offset + 2^20) for imm19 or
// [offset - 2^27, offset + 2^27) for imm26.
Result<void> check_reach(const BranchRecord& b, uint32_t target);

struct EmitOptions {
    bool lse = true;
    std::function<std::string(uint32_t slot)> annotate;
    const CheckedProgram* checked = nullptr; // embedded by the run-time checks (needs_guest_memory)
};

class Emitter {
public:
    Emitter(a64::Assembler& a, const Lowered& lowered, const EmitOptions& options);

    uint32_t body_entry_offset() const { return label_offsets_[body_entry_.id()]; }
    // The C entry's offset (drive.hpp's emit_c_entry), or kNoNativeCode when it has none.
    uint32_t c_entry_offset() const {
        return c_entry_.id() < label_offsets_.size() ? label_offsets_[c_entry_.id()] : kNoNativeCode;
    }
    const uint32_t* current_slot() const { return &pc_; }
    // Every recorded branch whose target lies beyond its reach, first one first.
    Result<void> check_reaches() const;

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

    // prologue.cpp
    // The entry frame this program gets (frame_layout.hpp): the full frame, or a lean one
    // saving only what the program touches.
    struct EntryFrame {
        bool full = true;
        bool record = true;                           // x29/x30 saved: the program calls out
        std::vector<std::array<a64::GpX, 2>> saved;   // callee-saved pairs (xzr pads), push order
        bool stack = false;                           // r10 = x23 = RunStatus::stack_top
        // Lean frames with unreachable-code traps (EntryFrameNeeds::trap_status): the last
        // pair holds the RunStatus* at the frame's bottom, and x24 = that bottom when
        // local calls move sp (`anchor`; without them sp is the bottom at every slot).
        bool trap_status = false;
        bool anchor = false;
    };
    static EntryFrame plan_entry_frame(const Lowered& lowered);
    void emit_entry_prologue();
    void emit_tail_call_landing();
    void emit_entry_frame(const a64::GpX& packet, const a64::GpX& packet_len, const a64::GpX& status);
    void emit_local_prologue();
    void emit_stack_zero(int32_t lo, int32_t hi); // stack_zero.cpp: [r10 + lo, r10 + hi) = 0
    void emit_epilogue(bool entry);
    void emit_abort_path();
    // The C entry's frame (drive.hpp's emit_c_entry; frame_layout.hpp).
    void emit_c_entry_prologue();
    void emit_c_entry_epilogue();

    // checks.cpp: run-time checks where the verifier proved nothing (engine_abi/checked_calls.hpp).
    void emit_access_check(const a64::GpX& base, int32_t off, uint32_t size, engine_abi::AccessKind kind);
    void emit_helper_check(const a64::GpX& id);
    void emit_helper_result();
    void emit_check_stubs();
    void emit_stub_call(const void* fn);
    void emit_empty_access_cache();
    void emit_zero_at_entry();
    // callbacks.cpp: C-callable entry thunks for callback subprograms (LDDW src 4)
    void emit_callback_thunks();


    // budget.cpp: the instruction-budget charge before a slot, and its fault stubs.
    void emit_budget_charge();
    void emit_budget_faults();
    void emit_budget_load();  // the counter's register from RunStatus (Lowered::budget_reg)
    void emit_budget_flush(); // and back

    // unreachable.cpp: a trapped unreachable run's trap, and the stub they share.
    void emit_unreachable_trap(uint32_t first);
    void emit_unreachable_stub();

    // block_ops.cpp: a byte-copy/fill loop as 16-byte strides (jit/idioms.hpp).
    void emit_block_op(const BlockOp& op);
    // hoisted_checks.cpp: a loop version's range checks (jit/hoist_checks.hpp).
    void emit_range_checks(const LoopVersion& v);
    void emit_range_stub();
    void jump_to(const asmjit::Label& target) { branch(asmjit::arm::CondCode::kAL, target); }
    void emit_idiom_expr(const a64::GpX& out, const IdiomExpr& e);
    // compare_ops.cpp: a byte-compare/scan loop fast-forwarded 8 bytes a step (jit/idioms.hpp).
    void emit_compare_op(const BlockOp& op);
    void bind(const asmjit::Label& label);

    // immediates.cpp: constants into registers, and immediate operands that fit
    void load_constant(const a64::GpX& reg, uint64_t value, ConstWidth width);
    void load_constant(const a64::GpX& reg, uint64_t value);
    bool try_add_sub_imm(bool subtract, const a64::Gp& dst, const a64::Gp& src, int64_t value);
    bool try_cmp_imm(const a64::Gp& reg, int64_t value);

    // alu.cpp
    void emit_alu(const isa::Alu& insn);
    void emit_alu_reg(const isa::Alu& insn, const a64::Gp& src);
    void emit_alu_imm(const isa::Alu& insn);
    void emit_mov_add(const isa::Alu& mov); // add_fused: mov64 d, s + add64 d, x
    void emit_shift(const isa::Alu& insn);
    void emit_division(const isa::Alu& insn);
    void emit_magic_division(const isa::Alu& insn, const MagicDivision& plan); // division_by_constant.cpp
    void emit_endian(const isa::Endian& insn);

    // memory.cpp
    void emit_load(const isa::Load& insn);
    void emit_store(const isa::Store& insn);
    void emit_load_imm64(const isa::LoadImm64& insn);
    void emit_packet_load(const isa::PacketLoad& insn);
    void access(bool store, isa::Size size, bool sign_extend, const a64::GpX& value,
                const a64::GpX& base, int32_t off);

    // atomics.cpp
    void emit_atomic(const isa::Atomic& insn);
    void emit_atomic_lse(const isa::Atomic& insn);
    void emit_atomic_exclusive(const isa::Atomic& insn);

    // jumps.cpp
    void emit_jump(const isa::Jump& insn);
    void branch(asmjit::arm::CondCode cc, const asmjit::Label& target); // kAL: unconditional
    void cbz(bool nonzero, const a64::Gp& reg, const asmjit::Label& target);
    void record(const asmjit::Label& target, Reach reach, const char* what);

    // calls.cpp
    void emit_call(const isa::Call& insn);
    void emit_helper_call(helpers::HelperFn fn);
    void emit_inline_array_lookup(); // map_lookup.cpp
    void emit_callx(const isa::CallX& insn);
    void emit_tail_call();
    void emit_exit();

    a64::Assembler& a_;
    const Lowered& lowered_;
    const EmitOptions& options_;

    uint32_t pc_ = 0; // slot being emitted
    const LoweredSlot* slot_ = nullptr;
    std::vector<asmjit::Label> labels_;    // per slot (valid where LoweredSlot::label)
    std::vector<asmjit::Label> epilogues_; // per subprogram
    std::vector<int32_t> last_emitted_;    // per subprogram: its last slot that emits code
    std::vector<asmjit::Label> thunks_;    // per slot: a callback's entry thunk (valid where loaded)
    EntryFrame frame_;
    asmjit::Label code_start_;             // the C entry (a lean frame's landing calls it)
    asmjit::Label body_entry_;             // tail calls land here
    asmjit::Label c_entry_;                // the C entry's copy of the code (bound only when wants_c_entry)
    bool c_r0_in_x8_ = false;              // the C entry keeps its r0 pointer in x8, else on the stack
    asmjit::Label abort_;                  // return r0 = 0 from the whole program
    asmjit::Label callx_table_;            // after the code: one function pointer per helper id
    std::vector<std::pair<asmjit::Label, uint32_t>> callx_faults_; // out-of-line stubs
    std::vector<std::pair<asmjit::Label, uint32_t>> budget_faults_; // out-of-line stubs
    std::vector<uint32_t> label_offsets_;  // by label id, as bound (kNoNativeCode: unbound)
    std::vector<BranchRecord> branches_;
    asmjit::Label access_stub_, helper_check_stub_, helper_result_stub_; // checks.cpp
    asmjit::Label range_stub_; // hoisted_checks.cpp
    asmjit::Label unreachable_stub_; // unreachable.cpp
};

} // namespace ebpfjit::jit::arm64
