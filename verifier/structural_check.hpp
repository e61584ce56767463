// CFG-level rules that need no abstract state (both verification levels):
// size limits, subprogram boundaries, reachability, call graph depth and recursion.
#pragma once

#include <cstdint>
#include <expected>
#include <vector>

#include "isa/instruction.hpp"
#include "verifier/verifier.hpp"
#include "verifier/violation.hpp"

namespace ebpfjit::verifier {

struct ProgramShape {
    std::vector<int32_t> subprogram_starts; // sorted, [0] == 0
    std::vector<uint32_t> subprogram_of;    // per slot
    std::vector<bool> prune_point;          // jump targets, conditional jumps, call returns (the kernel's)
    std::vector<bool> reachable;            // in the CFG (calls followed)
    // Helper calls that take a callback (bpf_loop, ...): the callback returns to them, as
    // to a loop head, so their states are compared (and equal ones pruned) there.
    std::vector<bool> calls_callback;
};

struct StructuralViolation {
    Violation violation;
    uint32_t insn;
};

std::expected<ProgramShape, StructuralViolation> check_structure(const isa::Program& program,
                                                                 const VerifierInput& input);

} // namespace ebpfjit::verifier
