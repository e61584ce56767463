// The x86-64 backend driver: emission passes (jump relaxation), slot dispatch, and the
// hand-over of the final code to executable memory.
#include <fmt/format.h>

#include "jit/x86_64/compile.hpp"
#include "jit/x86_64/emitter.hpp"

namespace ebpfjit::jit::x86_64 {

Emitter::Emitter(x86::Assembler& a, const Lowered& lowered, const EmitOptions& options, JumpPlan& plan)
    : a_(a), lowered_(lowered), options_(options), plan_(plan) {}

void Emitter::emit_program(std::vector<uint32_t>& slot_offsets) {
    // One walk over the slots for labels and thunk labels (slot walks dominate compile time).
    const size_t n = lowered_.slots.size();
    labels_.assign(n, asmjit::Label());
    thunks_.assign(n, asmjit::Label());
    for (size_t pc = 0; pc < n; ++pc) {
        const LoweredSlot& slot = lowered_.slots[pc];
        if (slot.label) labels_[pc] = a_.newLabel();
        if (slot.emit && slot.code_target >= 0 && !thunks_[static_cast<size_t>(slot.code_target)].isValid())
            thunks_[static_cast<size_t>(slot.code_target)] = a_.newLabel();
    }
    epilogues_.clear();
    last_emitted_.clear();
    for (const Subprogram& sub : lowered_.subprograms) {
        epilogues_.push_back(a_.newLabel());
        int32_t last = sub.start;
        for (int32_t pc = sub.end - 1; pc >= sub.start; --pc) // from the end: usually one step
            if (lowered_.slots[static_cast<size_t>(pc)].emit) {
                last = pc;
                break;
            }
        last_emitted_.push_back(last);
    }
    frame_ = plan_entry_frame(lowered_);
    code_start_ = a_.newLabel();
    a_.bind(code_start_);
    body_entry_ = a_.newLabel();
    abort_ = a_.newLabel();
    callx_table_ = a_.newLabel();
    callx_faults_.clear();
    access_stub_ = a_.newLabel();
    helper_check_stub_ = a_.newLabel();
    helper_result_stub_ = a_.newLabel();
    slot_offsets.assign(n, kNoNativeCode);

    for (uint32_t s = 0; s < lowered_.subprograms.size(); ++s) {
        const Subprogram& sub = lowered_.subprograms[s];
        if (s == 0) emit_entry_prologue();
        for (int32_t i = sub.start; i < sub.end; ++i) {
            const auto pc = static_cast<uint32_t>(i);
            if (lowered_.slots[pc].label) a_.bind(labels_[pc]);
            if (s != 0 && i == sub.start) emit_local_prologue();
            if (!lowered_.slots[pc].emit) continue;
            slot_offsets[pc] = static_cast<uint32_t>(a_.offset());
            if (lowered_.slots[pc].fused_add) continue; // emitted by the previous slot's lea
            if (options_.annotate) a_.comment(options_.annotate(pc).c_str());
            if (lowered_.slots[pc].budget_charge != 0) {
                pc_ = pc;
                slot_ = &lowered_.slots[pc];
                emit_budget_charge();
            }
            emit_slot(pc);
        }
        a_.bind(epilogues_[s]);
        emit_epilogue(s == 0);
    }
    emit_budget_faults();
    emit_abort_path();
    emit_check_stubs();
    emit_callback_thunks();
    if (!frame_.full) emit_tail_call_landing();
    emit_retpoline_thunk();
    if (!lowered_.callx_table.empty()) {
        a_.align(asmjit::AlignMode::kData, 8);
        a_.bind(callx_table_);
        for (helpers::HelperFn fn : lowered_.callx_table) a_.embedUInt64(reinterpret_cast<uint64_t>(fn));
    }
}

void Emitter::emit_slot(uint32_t pc) {
    pc_ = pc;
    slot_ = &lowered_.slots[pc];
    emit_instruction(*this, slot_->insn);
}

namespace {

// Keeps asmjit's first error (asmjit reports through a handler, not return values we
// could thread through every emit call).
class FirstError : public asmjit::ErrorHandler {
public:
    void handleError(asmjit::Error err, const char* message, asmjit::BaseEmitter*) override {
        if (error == asmjit::kErrorOk) {
            error = err;
            text = message;
        }
    }
    asmjit::Error error = asmjit::kErrorOk;
    std::string text;
};

struct Pass {
    asmjit::CodeHolder code;
    FirstError errors;
    std::vector<uint32_t> slot_offsets;
    uint32_t body_offset = 0;
};

Result<void> run_pass(Pass& pass, const Lowered& lowered, const EmitOptions& emit_options,
                      JumpPlan& plan, const Options& options) {
    pass.code.init(asmjit::Environment(asmjit::Arch::kX64)); // also for listings on other hosts
    pass.code.setErrorHandler(&pass.errors);
    if (options.logger) {
        options.logger->clear();
        pass.code.setLogger(options.logger);
    }
    x86::Assembler a(&pass.code);
    plan.ends.clear();
    plan.label_ids.clear();
    Emitter emitter(a, lowered, emit_options, plan);
    emitter.emit_program(pass.slot_offsets);
    pass.body_offset = emitter.body_entry_offset();
    if (pass.errors.error != asmjit::kErrorOk)
        return fail(Error::plain(fmt::format("x86-64 code generation failed: {}", pass.errors.text)));
    return {};
}

} // namespace

Result<CompiledProgram> compile(const Lowered& lowered, const Options& options) {
    EmitOptions emit_options;
    emit_options.bmi2 = options.bmi2;
    if (options.logger) emit_options.annotate = options.annotate;
    // What the run-time checks embed: allocated before emission, so its address is final.
    std::unique_ptr<CheckedProgram> checked;
    if (lowered.needs_guest_memory) checked = std::make_unique<CheckedProgram>(CheckedProgram{lowered.bindings});
    emit_options.checked = checked.get();
    JumpPlan plan;
    auto pass = std::make_unique<Pass>();
    if (auto r = run_pass(*pass, lowered, emit_options, plan, options); !r) return fail(r.error());

    // Second pass when some forward jump can be short.
    bool any_short = false;
    plan.short_ok.assign(plan.ends.size(), false);
    for (size_t k = 0; k < plan.ends.size(); ++k) {
        const auto target = static_cast<int64_t>(pass->code.labelOffset(plan.label_ids[k]));
        const int64_t distance = target - int64_t{plan.ends[k]};
        if (distance >= 0 && distance <= 127) plan.short_ok[k] = any_short = true;
    }
    if (any_short) {
        pass = std::make_unique<Pass>();
        if (auto r = run_pass(*pass, lowered, emit_options, plan, options); !r) return fail(r.error());
    }
    auto mem = ExecutableMemory::from_code(pass->code);
    if (!mem) return fail(mem.error());
    return CompiledProgram(std::move(*mem), pass->body_offset, std::move(pass->slot_offsets), lowered.program_type,
                           std::move(checked));
}

} // namespace ebpfjit::jit::x86_64
