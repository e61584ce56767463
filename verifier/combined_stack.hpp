// Whole call chains share one 512-byte stack budget: each subprogram's deepest byte,
// rounded as the kernel's JIT rounds it, summed along every call chain from the program's
// entry through reachable calls and callbacks.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "isa/instruction.hpp"
#include "verifier/structural_check.hpp"
#include "verifier/violation.hpp"

namespace ebpfjit::verifier {

struct StackViolation {
    uint32_t insn; // the call that makes the chain too deep
    Violation violation;
};

// stack_depth: per subprogram, the deepest stack byte any walk used.
std::optional<StackViolation> check_combined_stack(const ProgramShape& shape,
                                                   const std::vector<bool>& reachable,
                                                   const std::vector<uint32_t>& stack_depth);

} // namespace ebpfjit::verifier
