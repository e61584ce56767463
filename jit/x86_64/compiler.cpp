// The x86-64 backend's passes: emission (jit::drive, drive.hpp) twice when jumps can be
// relaxed, and the hand-over of the final code to executable memory.
#include <fmt/format.h>

#include "jit/x86_64/compile.hpp"
#include "jit/x86_64/emitter.hpp"

namespace ebpfjit::jit::x86_64 {

Emitter::Emitter(x86::Assembler& a, const Lowered& lowered, const EmitOptions& options, JumpPlan& plan)
    : a_(a), lowered_(lowered), options_(options), plan_(plan) {}

namespace {

struct Pass {
    asmjit::CodeHolder code;
    FirstError errors;
    std::vector<uint32_t> slot_offsets;
    uint32_t body_offset = 0;
    uint32_t c_entry_offset = kNoNativeCode;
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
    pass.errors.current_slot = emitter.current_slot();
    drive(emitter, pass.slot_offsets);
    pass.body_offset = emitter.body_entry_offset();
    pass.c_entry_offset = emitter.c_entry_offset();
    if (pass.errors.error != asmjit::kErrorOk)
        return fail(Error::at_insn(pass.errors.slot,
                                   fmt::format("x86-64 code generation failed: {}", pass.errors.text)));
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
    CompiledProgram compiled(std::move(*mem), pass->body_offset, std::move(pass->slot_offsets), lowered.program_type,
                             std::move(checked));
    compiled.set_c_entry_offset(pass->c_entry_offset);
    return compiled;
}

} // namespace ebpfjit::jit::x86_64
