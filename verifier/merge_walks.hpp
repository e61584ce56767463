// The facts of several walks over one program (the program's own and each global
// function's, global_calls.hpp) as one proof: a slot's fact holds where it holds in every
// walk that reached the slot.
#pragma once

#include <cstdint>
#include <optional>

#include "isa/instruction.hpp"
#include "verifier/facts.hpp"
#include "verifier/violation.hpp"

namespace ebpfjit::verifier {

struct MergeConflict {
    uint32_t insn;
    Violation violation;
};

// `from` into `into`: reachable slots united, per-slot facts intersected where both
// reached the slot, loops and zeroed stack ranges united. A slot that accesses the ctx in
// one walk and another pointer (or field) in the other cannot be rewritten either way.
std::optional<MergeConflict> merge_walk_facts(Facts& into, const Facts& from, const isa::Program& program);

// After the merge: the run-length bound again, over every walk's ranked loops. A loop some
// walk enumerated (no ranking record) or a budget loop anywhere leaves no bound; ranked
// loops without a bound are budget loops (as in Analyzer::record_loop_termination).
void finish_merged_loops(Facts& facts, const isa::Program& program);

} // namespace ebpfjit::verifier
