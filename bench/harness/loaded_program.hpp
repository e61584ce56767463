// One benchmark program, twice over:
//
//  - as users get it (what every timed "jit" and "interp" run goes through):
//      Object::open(object, {program_type = mem}) ──► Object::program(name, {verify})
//        ──► Program::run(mem)        default options: full verification, the JIT
//  - as the library's parts see it (figures only, never timed runs): the ELF read, the
//    verifier at the same level (timed), jit::compile with the same default options
//    (timed, code size) and jit::lower's count of the accesses and calls the verifier
//    left unproven (checked at run time).
//
// Each engine opens its own Object, so map state never leaks between engines.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ebpfjit/ebpfjit.hpp"
#include "ebpfjit/error.hpp"
#include "helpers/program_bindings.hpp"
#include "isa/instruction.hpp"
#include "jit/compiled_program.hpp"
#include "jit/lowering.hpp"
#include "runtime/maps/map.hpp"
#include "verifier/facts.hpp"

namespace ebpfjit::bench {

// A program opened through the public API. `program` is a handle into `object`.
struct ApiProgram {
    Object object;
    Program program;
};
// Opens `object_path` as a mem program for `engine` and prepares `symbol` at `level`
// (Full: the library's default). A verifier rejection is the Error.
Result<ApiProgram> open_api_program(const std::string& object_path, const std::string& symbol, Engine engine,
                                    VerifyLevel level);

// The same program read for the figures below (its own maps, never run).
struct LoadedProgram {
    isa::Program program;
    std::vector<std::unique_ptr<maps::Map>> maps;
    helpers::ProgramBindings bindings;
};
Result<LoadedProgram> load_program(const std::string& object_path, const std::string& symbol);

struct Verification {
    verifier::Facts facts;
    double verify_us = 0;    // median over the timed verifications
    uint64_t processed = 0;  // instructions the accepted pass processed
};
// `repeats`: verifications timed (median taken). A rejection is an error.
Result<Verification> verify_program(const LoadedProgram& loaded, VerifyLevel level, int repeats);

// What the JIT makes of the program with the options Object::program uses (defaults).
struct Jitted {
    jit::CompiledProgram code;
    double compile_us = 0;          // median over the timed compilations
    uint32_t checked_accesses = 0;  // loads/stores/atomics checked at run time (unproven)
    uint32_t checked_calls = 0;     // helper calls whose arguments are checked at run time
};
// `optimise`: all on is what users get; `--jit-without` switches some off.
Result<Jitted> jit_program(const LoadedProgram& loaded, const verifier::Facts& facts, int repeats,
                           const jit::Optimisations& optimise = {});

} // namespace ebpfjit::bench
