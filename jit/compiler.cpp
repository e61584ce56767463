#include "jit/compiler.hpp"

#include "jit/arm64/compile.hpp"
#include "jit/blinding.hpp"
#include "jit/x86_64/compile.hpp"

namespace ebpfjit::jit {

namespace {

Result<CompiledProgram> compile_lowered(const isa::Program& program, const verifier::Facts& facts,
                                        const helpers::ProgramBindings& bindings, const CompileOptions& options) {
    auto lowered = lower(program, facts, lowering_options(options, bindings));
    if (!lowered) return fail(lowered.error());
#if defined(__x86_64__)
    auto compiled = x86_64::compile(*lowered);
#elif defined(__aarch64__)
    auto compiled = arm64::compile(*lowered);
#else
    Result<CompiledProgram> compiled = fail(Error::plain("this host architecture has no JIT backend yet"));
#endif
    if (compiled) {
        compiled->set_instruction_budget(options.hardening.instruction_budget);
        compiled->set_run_needs(run_needs(*lowered));
    }
    return compiled;
}

} // namespace

LoweringOptions lowering_options(const CompileOptions& options, const helpers::ProgramBindings& bindings) {
    LoweringOptions lowering;
    lowering.bindings = &bindings;
    lowering.program_type = options.program_type;
    lowering.optimise = options.optimise;
    lowering.trusted = options.trusted;
    lowering.instruction_budget = options.hardening.instruction_budget;
    lowering.retpoline = options.hardening.retpoline;
    return lowering;
}

Result<CompiledProgram> compile(const isa::Program& program, const verifier::Facts& facts,
                                const helpers::ProgramBindings& bindings,
                                const CompileOptions& options) {
    if (!options.hardening.blind_constants) return compile_lowered(program, facts, bindings, options);
    auto blinded = blind_constants(program, facts, BlindingOptions{options.blinding_key});
    if (!blinded) return fail(blinded.error());
    auto compiled = compile_lowered(blinded->program, blinded->facts, bindings, options);
    if (!compiled) {
        // Errors name the instruction the user wrote.
        Error e = compiled.error();
        if (e.insn && *e.insn < blinded->original_slot.size()) e.insn = blinded->original_slot[*e.insn];
        return fail(std::move(e));
    }
    auto offsets = to_original_slots(*blinded, compiled->slot_offsets());
    compiled->use_original_slots(std::move(offsets), std::move(blinded->original_slot));
    return compiled;
}

} // namespace ebpfjit::jit
