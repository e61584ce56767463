#include "jit/compiler.hpp"

#include "jit/arm64/compile.hpp"
#include "jit/x86_64/compile.hpp"

namespace ebpfjit::jit {

Result<CompiledProgram> compile(const isa::Program& program, const verifier::Facts& facts,
                                const helpers::ProgramBindings& bindings,
                                const CompileOptions& options) {
    LoweringOptions lowering;
    lowering.bindings = &bindings;
    lowering.program_type = options.program_type;
    lowering.optimise = options.optimise;
    auto lowered = lower(program, facts, lowering);
    if (!lowered) return fail(lowered.error());
#if defined(__x86_64__)
    return x86_64::compile(*lowered);
#elif defined(__aarch64__)
    return arm64::compile(*lowered);
#else
    return fail(Error::plain("this host architecture has no JIT backend yet"));
#endif
}

} // namespace ebpfjit::jit
