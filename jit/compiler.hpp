// The JIT's front door: isa::Program + verifier facts + bindings -> native code for the
// host architecture (lowering once, then the backend).
#pragma once

#include <optional>

#include "ebpfjit/error.hpp"
#include "ebpfjit/hardening.hpp"
#include "helpers/program_bindings.hpp"
#include "isa/instruction.hpp"
#include "jit/compiled_program.hpp"
#include "jit/lowering.hpp"
#include "verifier/facts.hpp"

namespace ebpfjit::jit {

struct CompileOptions {
    ProgramType program_type = ProgramType::Mem;
    Optimisations optimise = {}; // additive: all on by default
    bool trusted = false;        // LoweringOptions::trusted (a test hook): no run-time checks where unproven
    // Constant blinding (blinding.hpp), the instruction budget (jit/budget.cpp: runs stop
    // with Fault::BudgetExceeded once back-edges and local calls charged N), retpolines
    // (x86-64; ARM64 ignores it): the public struct, as the embedder set it.
    Hardening hardening = {};
    std::optional<uint32_t> blinding_key = std::nullopt; // tests: one fixed key, not random ones
};

// The lowering's share of `options` (bindings outlive the result's use).
LoweringOptions lowering_options(const CompileOptions& options, const helpers::ProgramBindings& bindings);

Result<CompiledProgram> compile(const isa::Program& program, const verifier::Facts& facts,
                                const helpers::ProgramBindings& bindings,
                                const CompileOptions& options = {});

} // namespace ebpfjit::jit
