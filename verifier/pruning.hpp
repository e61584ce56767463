// State pruning. At a pruning point (jump target, branch fall-through, call return) the
// state is remembered as a checkpoint. A later path arriving with a state that a
// *completed* checkpoint subsumes is cut: everything reachable from it was already
// proven safe from a larger set of states. A path that arrives at a checkpoint still in
// progress (one of its own ancestors) with an identical state loops forever.
//
// Completion is tracked as in the kernel: a checkpoint counts its live descendant paths
// (`branches`); when a path ends, the counts up its parent chain drop, and a checkpoint
// whose count reaches zero is complete.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "verifier/abstract_state.hpp"

namespace ebpfjit::verifier {

// Every concrete state `cur` describes is one `old` describes (exact: the same states).
bool state_subsumes(const AbstractState& old, const AbstractState& cur, bool exact);

class Checkpoints {
public:
    enum class Verdict { Continue, Prune, InfiniteLoop };

    // Looks for a subsuming checkpoint at state.pc, else records one (updates state.parent).
    Verdict visit(AbstractState& state);
    // A path that forked from `parent` was pushed / ended.
    void on_fork(int32_t parent);
    void on_path_end(int32_t parent);

    uint64_t stored() const { return stored_; }
    uint64_t pruned() const { return pruned_; }

private:
    struct Checkpoint {
        AbstractState state;
        uint32_t branches;
        int32_t parent;
    };
    static constexpr size_t kMaxPerInsn = 64; // beyond this, stop storing (pruning only weakens)
    std::vector<Checkpoint> all_;
    std::unordered_map<uint32_t, std::vector<uint32_t>> at_pc_;
    uint64_t stored_ = 0, pruned_ = 0;
};

} // namespace ebpfjit::verifier
