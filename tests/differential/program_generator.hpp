// Random VALID eBPF programs for differential testing (interpreter vs JIT).
//
// Memory contract of a generated program (`mem` programs: r1 = input, r2 = its size):
//   input[0, kWorkBytes)                 loads, stores and atomics
//   input[kWorkBytes, kWorkBytes + 64)   the entry frame's stack is copied here at exit,
//                                        so stack-visible results are compared too
// Every register is written before it is read, every stack byte read was written, every
// loop is bounded by a counter, and branches only go forward (except loop back edges).
#pragma once

#include <cstdint>
#include <random>

#include "isa/instruction.hpp"

namespace ebpfjit::differential {

inline constexpr uint32_t kWorkBytes = 64;
inline constexpr uint32_t kStackBytes = 64; // the part of each frame a program uses
inline constexpr uint32_t kInputBytes = kWorkBytes + kStackBytes;

struct GeneratorOptions {
    uint32_t blocks = 6;      // straight-line / branch / loop blocks per function
    uint32_t block_size = 8;  // instructions per block (roughly)
    uint32_t max_subprograms = 3;
};

isa::Program generate_program(std::mt19937_64& rng, const GeneratorOptions& options = {});

} // namespace ebpfjit::differential
