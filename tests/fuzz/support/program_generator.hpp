// Structured eBPF programs from fuzz bytes, safe and terminating by construction, so that
// every engine must run them to the same end: the differential fuzzer's input. With
// `hostile`, some rules are broken on purpose: the verifier soundness fuzzer's input.
//
// Register roles (fixed, so that no pointer value can leak into results):
//   r6        base of the input memory (copied from r1 at entry), never written again
//   r10       frame pointer; the stack is used only in [fp-kStackUsed, fp), zeroed at entry
//   r7        loop counter of the (non-nested) bounded loop; written only by loop code
//   r0 r2-r5 r8 r9   scalars; all initialised at entry, r1-r5 re-initialised after calls
// Stack layout of every frame:
//   [fp-64, fp)   scratch data for loads, stores and atomics
//   [fp-80, fp-64) key (fp-72) and value (fp-80) buffers for map helper calls
#pragma once

#include <cstdint>
#include <span>

#include "isa/instruction.hpp"

namespace ebpfjit::fuzz {

inline constexpr uint32_t kInputSize = 64;  // bytes of input memory the program gets
inline constexpr int16_t kStackUsed = 80;   // bytes of each frame that programs touch
inline constexpr uint32_t kArrayMapIndex = 0; // LDDW map index of the array map
inline constexpr uint32_t kHashMapIndex = 1;  // LDDW map index of the hash map
inline constexpr uint32_t kMapKeys = 8;       // keys 0..7 (array map has 4 entries)

struct GeneratorOptions {
    uint32_t max_body = 200;   // instructions generated for the main body (approximate)
    bool use_maps = true;      // map helper calls (needs the two maps bound)
    bool use_local_calls = true;
    // For the verifier soundness fuzzer: now and then break a safety rule on purpose
    // (out-of-bounds or unaligned offsets, scalars used as pointers, unchecked map values,
    // a missing bounds check, loop counts taken from data, uninitialised registers). The
    // program may then be unsafe, and a verifier must reject it.
    bool hostile = false;
};

// A program for `mem` execution: r1 = input (kInputSize bytes, writable), r2 = its size.
isa::Program generate_program(std::span<const uint8_t> bytes, const GeneratorOptions& options = {});

} // namespace ebpfjit::fuzz
