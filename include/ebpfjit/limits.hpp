// Limits the verifier's proofs assume and every run enforces.
#pragma once

#include <cstdint>

namespace ebpfjit {

// The largest buffer a `mem` program runs over (bytes): its length is an offset the
// verifier proves accesses against, and the sum of two such offsets stays below the
// kernel's BPF_MAX_VAR_OFF (1 << 29). A larger buffer is refused before the program runs.
inline constexpr uint64_t kMaxMemSize = (uint64_t(1) << 28) - 1;

// The instruction budget (Hardening::instruction_budget) a program gets by default when
// the verifier proved its memory safety but not the termination of some loop within this
// many instructions (docs/loop-verification.md): generous for any real input, seconds of
// native code. A program proven to end within it (verifier/ranking.hpp) gets none.
inline constexpr uint64_t kDefaultLoopBudget = uint64_t(1) << 32;

} // namespace ebpfjit
