// The ARM64 backend driver: one emission pass (A64 instructions have a fixed size, so
// there is nothing to relax), slot dispatch, reach checks, and the hand-over of the
// final code to executable memory.
#include <fmt/format.h>

#if defined(__aarch64__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#include "jit/arm64/compile.hpp"
#include "jit/arm64/emitter.hpp"

namespace ebpfjit::jit::arm64 {

bool host_has_lse() {
#if defined(__aarch64__)
    return (getauxval(AT_HWCAP) & HWCAP_ATOMICS) != 0;
#else
    return true; // cross listings show the ARMv8.1 form
#endif
}

Emitter::Emitter(a64::Assembler& a, const Lowered& lowered, const EmitOptions& options)
    : a_(a), lowered_(lowered), options_(options) {}

void Emitter::bind(const asmjit::Label& label) {
    if (label_offsets_.size() <= label.id()) label_offsets_.resize(label.id() + 1, kNoNativeCode);
    label_offsets_[label.id()] = static_cast<uint32_t>(a_.offset());
    a_.bind(label);
}

void Emitter::emit_program(std::vector<uint32_t>& slot_offsets) {
    const size_t n = lowered_.slots.size();
    labels_.assign(n, asmjit::Label());
    for (size_t pc = 0; pc < n; ++pc)
        if (lowered_.slots[pc].label) labels_[pc] = a_.newLabel();
    for (const Subprogram& sub : lowered_.subprograms) {
        epilogues_.push_back(a_.newLabel());
        int32_t last = sub.start;
        for (int32_t pc = sub.start; pc < sub.end; ++pc)
            if (lowered_.slots[static_cast<size_t>(pc)].emit) last = pc;
        last_emitted_.push_back(last);
    }
    frame_ = plan_entry_frame(lowered_);
    code_start_ = a_.newLabel();
    body_entry_ = a_.newLabel();
    abort_ = a_.newLabel();
    callx_table_ = a_.newLabel();
    access_stub_ = a_.newLabel();
    helper_check_stub_ = a_.newLabel();
    helper_result_stub_ = a_.newLabel();
    thunks_.assign(n, asmjit::Label());
    for (const LoweredSlot& slot : lowered_.slots)
        if (slot.emit && slot.code_target >= 0 && !thunks_[static_cast<size_t>(slot.code_target)].isValid())
            thunks_[static_cast<size_t>(slot.code_target)] = a_.newLabel();
    slot_offsets.assign(n, kNoNativeCode);

    for (uint32_t s = 0; s < lowered_.subprograms.size(); ++s) {
        const Subprogram& sub = lowered_.subprograms[s];
        if (s == 0) emit_entry_prologue();
        for (int32_t i = sub.start; i < sub.end; ++i) {
            const auto pc = static_cast<uint32_t>(i);
            if (lowered_.slots[pc].label) bind(labels_[pc]);
            if (s != 0 && i == sub.start) emit_local_prologue();
            if (!lowered_.slots[pc].emit) continue;
            slot_offsets[pc] = static_cast<uint32_t>(a_.offset());
            if (lowered_.slots[pc].fused_add) continue; // emitted by the previous slot's add
            if (options_.annotate) a_.comment(options_.annotate(pc).c_str());
            if (lowered_.slots[pc].budget_charge != 0) {
                pc_ = pc;
                slot_ = &lowered_.slots[pc];
                emit_budget_charge();
            }
            emit_slot(pc);
        }
        bind(epilogues_[s]);
        emit_epilogue(s == 0);
    }
    emit_budget_faults();
    emit_abort_path();
    emit_check_stubs();
    emit_callback_thunks();
    if (!frame_.full) emit_tail_call_landing();
    if (lowered_.has_callx) { // bound even when empty: every callx then faults
        a_.align(asmjit::AlignMode::kData, 8);
        bind(callx_table_);
        for (helpers::HelperFn fn : lowered_.callx_table) a_.embedUInt64(reinterpret_cast<uint64_t>(fn));
    }
}

void Emitter::emit_slot(uint32_t pc) {
    pc_ = pc;
    slot_ = &lowered_.slots[pc];
    emit_instruction(*this, slot_->insn);
}

Result<void> check_reach(const BranchRecord& b, uint32_t target) {
    if (target == kNoNativeCode)
        return fail(Error::at_insn(b.slot, fmt::format("{}: its target was never placed", b.what)));
    const int64_t distance = int64_t{target} - int64_t{b.offset};
    const int64_t reach = b.reach == Reach::Imm19 ? (int64_t{1} << 20) : (int64_t{1} << 27);
    if (distance < -reach || distance >= reach)
        return fail(Error::at_insn(
            b.slot, fmt::format("{} reaches {} bytes away, beyond the A64 {} range of ±{} MiB: the program "
                                "is too large for the ARM64 JIT",
                                b.what, distance, b.reach == Reach::Imm19 ? "imm19" : "imm26", reach >> 20)));
    return {};
}

Result<void> Emitter::check_reaches() const {
    for (const BranchRecord& b : branches_) {
        const uint32_t target = b.label_id < label_offsets_.size() ? label_offsets_[b.label_id] : kNoNativeCode;
        if (auto r = check_reach(b, target); !r) return r;
    }
    return {};
}

namespace {

// Keeps asmjit's first error and the slot being emitted when it happened (asmjit reports
// through a handler, not return values we could thread through every emit call).
class FirstError : public asmjit::ErrorHandler {
public:
    void handleError(asmjit::Error err, const char* message, asmjit::BaseEmitter*) override {
        if (error == asmjit::kErrorOk) {
            error = err;
            text = message;
            slot = current_slot ? *current_slot : 0;
        }
    }
    const uint32_t* current_slot = nullptr;
    asmjit::Error error = asmjit::kErrorOk;
    std::string text;
    uint32_t slot = 0;
};

} // namespace

struct Assembly {
    asmjit::CodeHolder code;
    FirstError errors;
};

void AssemblyDeleter::operator()(Assembly* a) const { delete a; }
asmjit::CodeHolder& Assembled::code() { return assembly->code; }

Result<Assembled> assemble(const Lowered& lowered, const Options& options) {
    Assembled out;
    out.assembly = AssemblyPtr(new Assembly);
    Assembly& assembly = *out.assembly;
    asmjit::Environment env(asmjit::Arch::kAArch64);
    assembly.code.init(env);
    assembly.code.setErrorHandler(&assembly.errors);
    if (options.logger) {
        options.logger->clear();
        assembly.code.setLogger(options.logger);
    }
    EmitOptions emit_options;
    out.lse = options.atomics == AtomicsMode::Lse || (options.atomics == AtomicsMode::Auto && host_has_lse());
    emit_options.lse = out.lse;
    if (options.logger) emit_options.annotate = options.annotate;
    // What the run-time checks embed: allocated before emission, so its address is final.
    if (lowered.needs_guest_memory) out.checked = std::make_unique<CheckedProgram>(CheckedProgram{lowered.bindings});
    emit_options.checked = out.checked.get();

    a64::Assembler a(&assembly.code);
    Emitter emitter(a, lowered, emit_options);
    assembly.errors.current_slot = emitter.current_slot();
    emitter.emit_program(out.slot_offsets);
    // A reach error explains itself better than asmjit's "InvalidDisplacement".
    if (auto r = emitter.check_reaches(); !r) return fail(r.error());
    if (assembly.errors.error != asmjit::kErrorOk)
        return fail(Error::at_insn(assembly.errors.slot,
                                   fmt::format("A64 code generation failed: {}", assembly.errors.text)));
    out.body_offset = emitter.body_entry_offset();
    out.code_size = assembly.code.codeSize();
    return out;
}

Result<CompiledProgram> compile(const Lowered& lowered, const Options& options) {
#if defined(__aarch64__)
    auto assembled = assemble(lowered, options);
    if (!assembled) return fail(assembled.error());
    auto mem = ExecutableMemory::from_code(assembled->code());
    if (!mem) return fail(mem.error());
    return CompiledProgram(std::move(*mem), assembled->body_offset, std::move(assembled->slot_offsets),
                           lowered.program_type, std::move(assembled->checked));
#else
    (void)lowered;
    (void)options;
    return fail(Error::plain("ARM64 code runs only on an AArch64 host (use arm64::assemble for listings)"));
#endif
}

} // namespace ebpfjit::jit::arm64
