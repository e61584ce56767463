// Whether the loops of a fuzz_pipeline_soundness input run: for each loop the generator
// made (PipelinePrograms::loops), how many times its body ran on the bounds-checked
// interpreter, on the packet, maps and prog array the harness gives that input.
//
// A loop whose body never runs, or runs once, checks nothing loop-specific in the JIT
// (loop versioning, hoisted checks, block ops, budget charges on back edges): the seed
// maker keeps a loop seed only if a loop of its kind ran at least twice, and the
// pipeline_loop_reach test fails when a checked-in loop seed stops doing so.
//
// How it counts, with nothing added to the runtime: the interpreter's instruction budget
// (InterpreterOptions::instruction_budget, "exceeded" past it) gives a run's instruction
// count N by a search for the smallest budget that lets the run finish. The program with a
// `ja +0` first in loop k's body (generate_pipeline_programs' probe_loop; verified and
// ctx-rewritten as any program, nothing else differs) runs N + (runs of that body).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ebpfjit::fuzz {

struct LoopReach {
    uint32_t feature = 0;  // the loop's kind: one kLoopFeatures bit
    int64_t body_runs = -1; // -1: not measured (the program or its probe rejected, a
                            // fault, or more than kMaxCountedInstructions instructions)
};

inline constexpr uint64_t kMaxCountedInstructions = 1u << 22;

// Empty when the input asks for no loops or the generator made none. Only loops whose
// kind is in `kinds` are measured (a verification each); the others stay at -1.
std::vector<LoopReach> measure_loop_reach(std::span<const uint8_t> bytes, uint32_t kinds = ~0u);

// The kLoopFeatures bits of the loops whose body ran at least twice.
uint32_t reached_loop_features(const std::vector<LoopReach>& loops);

} // namespace ebpfjit::fuzz
