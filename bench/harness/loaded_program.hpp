// One benchmark program brought up the way an embedder would: ELF object read, its maps
// created, the program verified (and the verification timed), then handed to an engine.
//
//   object.o ──► elf::read_object_file ──► maps::create_map per map ──► bindings
//            └─► verifier::check (Full, or Structural where the workload says so)
//                  └─► interpreter, or jit::compile (timed)
//
// Each engine gets its own LoadedProgram, so map state never leaks between engines.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jit/lowering.hpp"

#include "ebpfjit/error.hpp"
#include "helpers/program_bindings.hpp"
#include "isa/instruction.hpp"
#include "jit/compiled_program.hpp"
#include "runtime/interpreter.hpp"
#include "runtime/maps/map.hpp"
#include "verifier/facts.hpp"

namespace ebpfjit::bench {

struct Verification {
    verifier::Facts facts;
    std::string level;       // "full" or "structural"
    double verify_us = 0;    // median over the timed verifications, at that level
    uint64_t processed = 0;  // instructions the accepted pass processed
};

struct LoadedProgram {
    isa::Program program;
    std::vector<std::unique_ptr<maps::Map>> maps;
    helpers::ProgramBindings bindings;
};

Result<LoadedProgram> load_program(const std::string& object_path, const std::string& symbol);
// `repeats`: verifications timed (median taken). A rejection is an error.
Result<Verification> verify_program(const LoadedProgram& loaded, bool structural, int repeats);

struct Jitted {
    jit::CompiledProgram code;
    double compile_us = 0; // median over the timed compilations
};
// `trusted`: the suite's own code, verified at structural level only: no run-time checks
// (jit::CompileOptions::trusted), so the suite times the code generator, not the checks.
Result<Jitted> jit_program(const LoadedProgram& loaded, const verifier::Facts& facts, int repeats,
                           const jit::Optimisations& optimise = {}, bool trusted = false);

std::unique_ptr<runtime::Interpreter> interpret_program(const LoadedProgram& loaded);

} // namespace ebpfjit::bench
