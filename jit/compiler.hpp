// The JIT's front door: isa::Program + verifier facts + bindings -> native code for the
// host architecture (lowering once, then the backend).
#pragma once

#include "ebpfjit/error.hpp"
#include "helpers/program_bindings.hpp"
#include "isa/instruction.hpp"
#include "jit/compiled_program.hpp"
#include "jit/lowering.hpp"
#include "verifier/facts.hpp"

namespace ebpfjit::jit {

struct CompileOptions {
    ProgramType program_type = ProgramType::Mem;
    Optimisations optimise; // additive: all on by default
};

Result<CompiledProgram> compile(const isa::Program& program, const verifier::Facts& facts,
                                const helpers::ProgramBindings& bindings,
                                const CompileOptions& options = {});

} // namespace ebpfjit::jit
