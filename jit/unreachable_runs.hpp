// Defence in depth for slots the verifier proved unreachable (Facts::reachable false).
// They emit nothing (the kernel's opt_remove_dead_code), so were the proof ever wrong, a
// jump or fall-through into them would run into whatever code follows. Instead every
// maximal run of such slots (within one subprogram) that emitted code could enter ends
// in one trap, and both engines stop there with Fault::UnreachableCode naming the run's
// first slot (the interpreter names the same slot, so the engines agree).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ebpfjit::jit {

// Slots [first, last], all unreachable, in one subprogram.
struct UnreachableRun {
    uint32_t first = 0;
    uint32_t last = 0;
    bool operator==(const UnreachableRun&) const = default;
};

// The one text both engines put after "insn N: " (RunStatus / the interpreter's Error).
inline constexpr const char* kUnreachableCodeText = "reached code the verifier proved unreachable";

// The first slot of the unreachable run holding `pc` (reachable[pc] false): back over
// unreachable slots, never across a subprogram start (`subprogram_starts`, any order).
uint32_t unreachable_run_start(const std::vector<bool>& reachable, std::span<const int32_t> subprogram_starts,
                               uint32_t pc);

} // namespace ebpfjit::jit
