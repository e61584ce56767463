#include "jit/native_listing.hpp"

#include <fmt/format.h>

#include "jit/lowering.hpp"
#include "jit/x86_64/compile.hpp"

namespace ebpfjit::jit {

Result<std::string> native_listing(const isa::Program& program, const verifier::Facts& facts,
                                   const helpers::ProgramBindings& bindings,
                                   const isa::HelperNamer& namer) {
    LoweringOptions lowering;
    lowering.bindings = &bindings;
    auto lowered = lower(program, facts, lowering);
    if (!lowered) return fail(lowered.error());
    asmjit::StringLogger logger;
    logger.addFlags(asmjit::FormatFlags::kMachineCode | asmjit::FormatFlags::kHexImms |
                    asmjit::FormatFlags::kHexOffsets);
    logger.setIndentation(asmjit::FormatIndentationGroup::kCode, 4);
    x86_64::Options options;
    options.logger = &logger;
    options.annotate = [&](uint32_t pc) {
        return fmt::format("; {:5}: {}", pc, isa::disassemble(program.insns[pc], pc, namer));
    };
    auto compiled = x86_64::compile(*lowered, options);
    if (!compiled) return fail(compiled.error());
    return fmt::format("; {} eBPF slots -> {} bytes of x86-64\n{}", program.size(),
                       compiled->code_size(), logger.data());
}

} // namespace ebpfjit::jit
