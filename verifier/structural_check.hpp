// CFG-level rules that need no abstract state (both verification levels):
// size limits, subprogram boundaries, reachability, call graph depth and recursion.
#pragma once

#include <cstdint>
#include <expected>
#include <vector>

#include "isa/call_graph.hpp"
#include "isa/instruction.hpp"
#include "verifier/verifier.hpp"
#include "verifier/violation.hpp"

namespace ebpfjit::verifier {

struct ProgramShape {
    std::vector<int32_t> subprogram_starts; // sorted, [0] == 0
    std::vector<uint32_t> subprogram_of;    // per slot
    // Jump targets, conditional jumps, call returns, local calls and their callees' entries
    // (the kernel's).
    std::vector<bool> prune_point;
    std::vector<bool> reachable;            // in the CFG (calls followed)
    // Helper calls that take a callback (bpf_loop, ...): the callback returns to them, as
    // to a loop head, so their states are compared (and equal ones pruned) there.
    std::vector<bool> calls_callback;
    // The call graph, per subprogram: its local calls and the callbacks it names (a
    // callback runs in a frame above the subprogram naming it, as the kernel counts it).
    std::vector<std::vector<isa::CallEdge>> callees;

    // One past subprogram `s`'s last slot.
    size_t subprogram_end(uint32_t s) const {
        return s + 1 < subprogram_starts.size() ? size_t(subprogram_starts[s + 1]) : subprogram_of.size();
    }
};

struct StructuralViolation {
    Violation violation;
    uint32_t insn;
};

std::expected<ProgramShape, StructuralViolation> check_structure(const isa::Program& program,
                                                                 const VerifierInput& input);

} // namespace ebpfjit::verifier
