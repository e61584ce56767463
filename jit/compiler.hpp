// The JIT's front door: isa::Program + verifier facts + bindings -> native code for the
// host architecture (lowering once, then the backend).
#pragma once

#include <optional>

#include "ebpfjit/error.hpp"
#include "helpers/program_bindings.hpp"
#include "isa/instruction.hpp"
#include "jit/compiled_program.hpp"
#include "jit/lowering.hpp"
#include "verifier/facts.hpp"

namespace ebpfjit::jit {

struct CompileOptions {
    ProgramType program_type = ProgramType::Mem;
    Optimisations optimise = {}; // additive: all on by default
    bool trusted = false;        // LoweringOptions::trusted: no run-time checks where unproven
    // Constant blinding (blinding.hpp): every user immediate XORed with a random key.
    bool blind_constants = false;
    std::optional<uint32_t> blinding_key = std::nullopt; // tests: one fixed key, not random ones
    // Non-zero: runs stop with "instruction budget of N exceeded" (Fault::BudgetExceeded)
    // once the back-edges and local calls they take have charged N (jit/budget.cpp).
    uint64_t instruction_budget = 0;
    // x86-64: indirect calls (callx) through a retpoline thunk; ARM64 ignores it (below).
    bool retpoline = false;
};

// The lowering's share of `options` (bindings outlive the result's use).
LoweringOptions lowering_options(const CompileOptions& options, const helpers::ProgramBindings& bindings);

Result<CompiledProgram> compile(const isa::Program& program, const verifier::Facts& facts,
                                const helpers::ProgramBindings& bindings,
                                const CompileOptions& options = {});

} // namespace ebpfjit::jit
