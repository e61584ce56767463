#include "jit/native_listing.hpp"

#include <fmt/format.h>

#include "jit/arm64/compile.hpp"
#include "jit/blinding.hpp"
#include "jit/lowering.hpp"
#include "jit/x86_64/compile.hpp"

namespace ebpfjit::jit {

Result<std::string> native_listing(const isa::Program& program, const verifier::Facts& facts,
                                   const helpers::ProgramBindings& bindings,
                                   const isa::HelperNamer& namer, Arch arch, const CompileOptions& compile) {
    std::optional<BlindedProgram> blinded;
    if (compile.hardening.blind_constants) {
        auto b = blind_constants(program, facts, BlindingOptions{compile.blinding_key});
        if (!b) return fail(b.error());
        blinded = std::move(*b);
    }
    const isa::Program& ir = blinded ? blinded->program : program;
    LoweringOptions lowering = lowering_options(compile, bindings);
    auto lowered = lower(ir, blinded ? blinded->facts : facts, lowering);
    if (!lowered) return fail(lowered.error());
    asmjit::StringLogger logger;
    logger.addFlags(asmjit::FormatFlags::kMachineCode | asmjit::FormatFlags::kHexImms |
                    asmjit::FormatFlags::kHexOffsets);
    logger.setIndentation(asmjit::FormatIndentationGroup::kCode, 4);
    auto annotate = [&](uint32_t pc) {
        if (!blinded) return fmt::format("; {:5}: {}", pc, isa::disassemble(program.insns[pc], pc, namer));
        const uint32_t original = blinded->original_slot[pc];
        if (blinded->first_slot[original] == pc)
            return fmt::format("; {:5}: {}", original, isa::disassemble(program.insns[original], original, namer));
        return fmt::format(";      ~ {}", isa::disassemble(ir.insns[pc], pc, namer));
    };
    if (arch == Arch::Arm64) {
        arm64::Options options;
        options.logger = &logger;
        options.annotate = annotate;
        auto assembled = arm64::assemble(*lowered, options);
        if (!assembled) return fail(assembled.error());
        return fmt::format("; {} eBPF slots -> {} bytes of A64 ({} atomics)\n{}", program.size(),
                           assembled->code_size, assembled->lse ? "LSE" : "exclusive-loop", logger.data());
    }
    x86_64::Options options;
    options.logger = &logger;
    options.annotate = annotate;
    auto compiled = x86_64::compile(*lowered, options);
    if (!compiled) return fail(compiled.error());
    return fmt::format("; {} eBPF slots -> {} bytes of x86-64\n{}", program.size(),
                       compiled->code_size(), logger.data());
}

} // namespace ebpfjit::jit
