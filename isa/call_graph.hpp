// The bpf-to-bpf call graph's two rules, at CFG level, shared by the verifier
// (structural_check.cpp) and the jit (control_flow.cpp): no recursion, and no chain of
// more than `max_frames` frames. Edges are local calls and callback addresses (LDDW
// src 4: a callback runs in a frame above the subprogram naming it, as the kernel counts
// it). Each caller builds the edges from its own subprogram numbering and words the
// errors its own way; the analysis and the slot it blames are the same.
#pragma once

#include <cstdint>
#include <expected>
#include <vector>

namespace ebpfjit::isa {

struct CallEdge {
    uint32_t callee; // subprogram index
    uint32_t slot;   // the call (or LDDW src 4) that makes the edge
};

struct CallGraphViolation {
    bool recursion;  // else: too deep
    uint32_t slot;   // recursion: the call entering a subprogram already on the chain;
                     // too deep: the call opening the first frame beyond the limit
    uint32_t callee; // the subprogram that call enters
    uint32_t frames; // too deep: frames of the deepest chain from subprogram 0
};

// Per subprogram reachable from subprogram 0 through `callees` (indexed by subprogram):
// the frames of the longest chain starting there, itself included (0: not reachable).
std::expected<std::vector<uint32_t>, CallGraphViolation> call_frames(
    const std::vector<std::vector<CallEdge>>& callees, uint32_t max_frames);

} // namespace ebpfjit::isa
