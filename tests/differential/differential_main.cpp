// Differential tester: random valid programs on the interpreter and the JIT, comparing
// r0 and the input memory afterwards (which holds the entry frame's stack at exit).
//
//   differential [--count N] [--seed S] [--verbose]
//
// ctest runs a fixed-seed batch; a longer run is `differential --count 1000000 --seed 7`.
// A mismatch prints the seed of the failing program and its disassembly, and exits 1.
#include <array>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "isa/disassembler.hpp"
#include "jit/compiler.hpp"
#include "runtime/interpreter.hpp"
#include "tests/differential/program_generator.hpp"
#include "runtime/run/native_run.hpp"

using namespace ebpfjit;

namespace {

struct Outcome {
    Result<uint64_t> r0;
    std::array<uint8_t, differential::kInputBytes> memory;
};

std::array<uint8_t, differential::kInputBytes> initial_memory(uint64_t seed) {
    std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ull);
    alignas(8) std::array<uint8_t, differential::kInputBytes> mem{};
    for (auto& b : mem) b = static_cast<uint8_t>(rng());
    return mem;
}

bool same(const Outcome& a, const Outcome& b) {
    if (a.r0.has_value() != b.r0.has_value()) return false;
    if (a.r0.has_value() && *a.r0 != *b.r0) return false;
    return a.memory == b.memory;
}

std::string describe(const Outcome& o) {
    std::string s = o.r0 ? fmt::format("r0 = {:#x}", *o.r0) : "error: " + o.r0.error().to_string();
    s += "\n  memory:";
    for (size_t i = 0; i < o.memory.size(); ++i) s += fmt::format("{}{:02x}", i % 32 == 0 ? "\n    " : " ", o.memory[i]);
    return s;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"interpreter vs JIT on random valid programs"};
    uint64_t count = 10'000;
    uint64_t seed = 1;
    bool verbose = false;
    app.add_option("--count", count, "number of programs");
    app.add_option("--seed", seed, "seed of the first program (program i uses seed + i)");
    app.add_flag("--verbose", verbose, "print every program");
    jit::CompileOptions jit_options;
    app.add_flag("--harden", jit_options.hardening.blind_constants, "JIT with constant blinding (random keys)");
    CLI11_PARSE(app, argc, argv);

    const helpers::ProgramBindings bindings{nullptr, {}};
    uint64_t instructions = 0;
    for (uint64_t i = 0; i < count; ++i) {
        const uint64_t program_seed = seed + i;
        std::mt19937_64 rng(program_seed);
        const isa::Program program = differential::generate_program(rng);
        instructions += program.size();
        if (verbose) std::printf("seed %llu\n%s\n", static_cast<unsigned long long>(program_seed),
                                 isa::disassemble(program).c_str());

        alignas(8) auto interp_mem = initial_memory(program_seed);
        alignas(8) auto jit_mem = interp_mem;

        runtime::Interpreter interpreter(program, bindings, {});
        Outcome expected{interpreter.run_mem(interp_mem), interp_mem};

        auto compiled = jit::compile(program, verifier::Facts{}, bindings, jit_options);
        if (!compiled) {
            std::printf("seed %llu: the JIT rejected a valid program: %s\n%s",
                        static_cast<unsigned long long>(program_seed), compiled.error().to_string().c_str(),
                        isa::disassemble(program).c_str());
            return 1;
        }
        Outcome actual{runtime::run_native_mem(*compiled, jit_mem), jit_mem};
        if (!expected.r0) {
            std::printf("seed %llu: the generator made a program the interpreter rejects: %s\n%s",
                        static_cast<unsigned long long>(program_seed),
                        expected.r0.error().to_string().c_str(), isa::disassemble(program).c_str());
            return 1;
        }
        if (!same(expected, actual)) {
            std::printf("seed %llu: MISMATCH\ninterpreter: %s\njit:         %s\n%s",
                        static_cast<unsigned long long>(program_seed), describe(expected).c_str(),
                        describe(actual).c_str(), isa::disassemble(program).c_str());
            return 1;
        }
    }
    std::printf("differential: %llu programs (%llu instructions), interpreter == JIT%s\n",
                static_cast<unsigned long long>(count), static_cast<unsigned long long>(instructions),
                jit_options.hardening.blind_constants ? " (blinded)" : "");
    return 0;
}
