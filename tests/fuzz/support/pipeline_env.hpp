// What fuzz_pipeline_soundness runs a program in, shared by the run (pipeline_run.cpp) and
// the loop-reach measurement (loop_reach.cpp): the fuzz input's header (program type,
// flags, packet, map seeds), the maps an ELF with the generator's three maps would make,
// and one run the way runtime/program_runs.cpp makes it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "map_entries.hpp"
#include "pipeline_generator.hpp"
#include "ebpfjit/engine.hpp"
#include "ebpfjit/program_type.hpp"
#include "runtime/elf/object_description.hpp"
#include "runtime/interpreter.hpp"
#include "runtime/object_maps.hpp"
#include "runtime/prepared_program.hpp"

namespace ebpfjit::fuzz {

inline constexpr size_t kHeader = 34;

// The instruction budget of programs whose loops only a budget bounds (see run_pipeline).
inline constexpr uint64_t kLoopBudget = 1'000'000;
// The verifier's processed-instruction limit for generated programs (the kernel's 1M is
// minutes of loop-pass work under the fuzz build's instrumentation; libFuzzer gives an
// input 10 s). Programs it rejects for that are rejections, not findings.
inline constexpr uint64_t kFuzzComplexityLimit = 100'000;

struct Input {
    ProgramType type = ProgramType::Mem;
    bool hostile = false;
    bool blind = false;
    bool loops = false;
    std::vector<uint8_t> packet;
    std::array<uint8_t, 32> seed{};
    std::span<const uint8_t> program_bytes;
};

Input parse(const uint8_t* data, size_t size);

// The object an ELF with the generator's three maps would describe (same indices).
runtime::elf::ObjectDescription describe_maps();

// The generated main and tail programs as an ELF object would name them (section "fuzz").
struct PipelineSpecs {
    runtime::elf::ProgramSpec main, tail;
};
PipelineSpecs specs_of(const PipelinePrograms& programs, ProgramType type);

struct Outcome {
    std::string error; // empty on success
    uint64_t r0 = 0;
    uint32_t redirect = 0;
    std::vector<uint8_t> packet;
    std::vector<uint8_t> meta;
    std::vector<uint8_t> ctx; // the skb's uapi fields (mark, cb[], ...) after the run
    Entries array, hash;
};

// What runs the program: a PreparedProgram on `engine`, or (`bare` set) an interpreter of
// the prepared form of a program, as PreparedProgram's interpreter path calls it (the
// loop-reach measurement makes one per instruction budget it tries).
struct Exec {
    const runtime::PreparedProgram* prepared = nullptr;
    Engine engine = Engine::Interpreter;
    runtime::Interpreter* bare = nullptr;
};

// One run as ebpfjit::Program::run / run_xdp / run_tc / run_socket_filter make it, on
// freshly filled maps.
Outcome run_on(const Exec& exec, const Input& in, runtime::ObjectMaps& object);

} // namespace ebpfjit::fuzz
