// Shared by the ARM64 backend tests: hand-built programs (tests/jit/program_builder.hpp),
// lowering them, and assembling for A64 on any host.
#pragma once

#include <string>

#include <catch2/catch.hpp>

#include "../jit/program_builder.hpp"
#include "jit/arm64/compile.hpp"
#include "jit/lowering.hpp"
#include "verifier/facts.hpp"

namespace ebpfjit::test {

// Facts are empty: every access and helper call is checked at run time, unless `trusted`
// (then the code is what a verified program gets: no checks at all).
inline Result<jit::Lowered> lower_for_test(const Program& p, const helpers::ProgramBindings& bindings,
                                           bool trusted = false) {
    jit::LoweringOptions options;
    options.bindings = &bindings;
    options.trusted = trusted;
    return jit::lower(p, verifier::Facts{}, options);
}

// The A64 listing of `p` (asmjit's Logger text), or the error text.
inline std::string arm64_listing(const Program& p, jit::arm64::AtomicsMode atomics = jit::arm64::AtomicsMode::Lse) {
    const helpers::ProgramBindings bindings = test_bindings();
    auto lowered = lower_for_test(p, bindings);
    if (!lowered) return "lowering error: " + lowered.error().to_string();
    asmjit::StringLogger logger;
    logger.addFlags(asmjit::FormatFlags::kMachineCode); // "; <bytes>" after each instruction
    jit::arm64::Options options;
    options.atomics = atomics;
    options.logger = &logger;
    auto assembled = jit::arm64::assemble(*lowered, options);
    if (!assembled) return "error: " + assembled.error().to_string();
    return logger.data();
}

} // namespace ebpfjit::test
