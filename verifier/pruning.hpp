// State pruning. At a pruning point (jump target, branch fall-through, call, call return) the
// state is remembered as a checkpoint. A later path arriving with a state that a
// *completed* checkpoint subsumes is cut: everything reachable from it was already
// proven safe from a larger set of states. A path that arrives at a checkpoint still in
// progress (one of its own ancestors) with an identical state loops forever.
//
// Subsumption is the kernel's: dead registers (liveness.hpp) are ignored, imprecise
// scalars (precision.hpp) match any scalar, precise ones must lie within the old bounds.
//
// Completion is tracked as in the kernel: a checkpoint counts its live descendant paths
// (`branches`); when a path ends, the counts up its parent chain drop, and a checkpoint
// whose count reaches zero is complete.
//
// Round a callback (a bpf_loop's body returning to its call), a path may end equal to an
// ancestor still in progress: what that ancestor's continuation needs precise is not known
// until it completes. As the kernel's SCC backedges (propagate_backedges), such a prune is
// kept as a backedge, and the checkpoints between it and the outermost such ancestor (the
// loop's root) await it: they prune only by every scalar's bounds (the kernel's
// RANGE_WITHIN for states with incomplete read marks), and a prune against one is a
// backedge too. When the root completes, each backedge's path gets its target's precise
// scalars, to a fixpoint; then the awaiting checkpoints prune as any other.
//
// Cost is bounded: checkpoints at one slot are bucketed by a key of what must match
// exactly (frames, call sites, live register types but those some state there had
// uninitialised, which an old state's uninitialised register covers) and by a fingerprint for the
// infinite-loop test; a checkpoint that keeps failing to prune is evicted (the kernel's
// miss/hit rule); every comparison is charged to a work budget the analyzer enforces.
#pragma once

#include <cstdint>
#include <vector>

#include "isa/instruction.hpp"
#include "verifier/abstract_state.hpp"
#include "verifier/liveness.hpp"
#include "verifier/precision.hpp"

namespace ebpfjit::verifier {

// Registers live in each frame of `s` (caller frames: what is live after their call).
using LiveMasks = std::array<uint16_t, isa::kMaxCallDepth>;
// The same for stack slots (bit i: slot [fp-8(i+1), fp-8i)); nullptr: every slot.
using StackMasks = std::array<uint64_t, isa::kMaxCallDepth>;

// Every concrete state `cur` describes is one `old` describes.
//   exact: the same states, register for register (precision and liveness ignored).
bool state_subsumes(const AbstractState& old, const AbstractState& cur, bool exact, const LiveMasks& live,
                    uint64_t& work);

// The loop pass's test at a loop head: live registers only, but every scalar's bounds
// (nothing there is imprecise: the head's state stands for all iterations), and the zone.
bool loop_state_subsumes(const AbstractState& old, const AbstractState& cur, const LiveMasks& live, uint64_t& work);
// What two states must share to be compared or joined: frames, call sites, live register types.
uint64_t shape_key(const AbstractState& s, const LiveMasks& live);

class Checkpoints {
public:
    enum class Verdict { Continue, Prune, InfiniteLoop };

    // `allow_uninit_stack` (VerifierInput's): a stored state's data bytes (or free scalar
    // spill) may cover bytes the new path never wrote; the prune then reports them in
    // uninit_matched(), and the caller must have them zeroed at frame entry.
    // `allow_ptr_leaks` (VerifierInput's): bytes a stored state never wrote also cover a
    // spilled pointer of the new state, as the kernel's stacksafe lets STACK_INVALID match
    // anything. Sound: the stored path's continuation read those bytes, if at all, as an
    // unknown scalar (allow_uninit_stack) or not before overwriting them (without it), and a
    // scalar is never the base of an access, a helper's pointer argument or a callee's
    // frame, so the new path runs the same instructions on them as on any other bytes. What
    // the continuation then does with that scalar (store it in a map, return it) shows the
    // pointer, which only allow_ptr_leaks permits; without it the rule stays strict (and a
    // helper that writes fewer bytes than it is given, such as probe_read_str, must not
    // leave part of a pointer behind in bytes the continuation reads as written). Such a
    // prune is relaxed (visit).
    // `loop_pass`: the loop pass's joined states are not exact, so a prune against an
    // ancestor in progress marks every scalar on its path precise at once instead of
    // waiting for the ancestor to complete (the header's backedges).
    Checkpoints(const isa::Program& program, const Liveness& liveness, bool allow_uninit_stack,
                bool allow_ptr_leaks, bool loop_pass);

    // A stack byte, fp`off` of absolute frame `frame`.
    struct UninitByte {
        uint8_t frame;
        int32_t off;
    };

    // Looks for a subsuming checkpoint at state.pc, else records one (updates state.parent
    // and clears state.history). On Prune, `relaxed` tells whether the prune relied on
    // imprecision or on unwritten stack bytes: a bounds comparison of what the
    // continuation may read (live registers and slots) would not have pruned, so the
    // pruned path may carry values the facts after it were not derived from. Values no
    // continuation reads (dead ones) cannot reach a fact.
    // At a loop head whose iterations are bounded by a helper (a callback-taking call),
    // a state equal to an ancestor's is pruned instead of being an infinite loop.
    // `may_store` false: look for a match only (the analyzer's store heuristic), unless no
    // state was ever stored at this point. While a checkpoint here is still being explored
    // (the path goes round a loop through it), `may_store_in_loop` decides instead.
    // Returns Continue either way when nothing matched; stored() tells if it stored.
    Verdict visit(AbstractState& state, bool& relaxed, bool bounded_loop_head = false, bool may_store = true,
                  bool may_store_in_loop = true);
    // A path that forked from `parent` was pushed / ended.
    void on_fork(int32_t parent);
    void on_path_end(int32_t parent);

    // `regs` of the current frame of `state` (about to execute state.pc) must be precise.
    void mark_precise(const AbstractState& state, uint16_t regs);
    // An array lookup at the constant key in bytes [fp + start, fp + start + size) of the
    // current frame of `state` is about to be trusted non-NULL (const_map_key.hpp): finds
    // where those bytes were written from constants, walking back over this path's
    // checkpoints, and marks the key's bytes (or the registers they were stored from)
    // precise in every checkpoint passed. False, nothing marked: not found.
    bool mark_constant_key(const AbstractState& state, int64_t start, uint32_t size);
    // A conditional jump at `state` compares scalars whose copies (same id, registers and
    // spilled slots of every frame) are `copies`: the history entry's `linked` value.
    // A bound the jump teaches one copy holds for all, so precision needed by one at
    // that jump is needed by all (the kernel's linked registers, bt_sync_linked_regs).
    uint32_t add_linked_copies(const PrecisionMask& copies);
    // Every scalar and stack slot of `state` must be precise (the loop pass's heads:
    // what arrives there is compared and joined by its exact bounds).
    void mark_everything_precise(const AbstractState& state);

    // After a Prune: the bytes it matched uninitialised against data (see the constructor).
    const std::vector<UninitByte>& uninit_matched() const { return uninit_; }

    uint64_t stored() const { return stored_; }
    uint64_t pruned() const { return pruned_; }
    uint64_t work() const { return work_; } // state units compared / copied so far
    void charge(uint64_t units) { work_ += units; }
    // Bytes the stored checkpoints hold (their states and histories), for the analyzer's
    // memory budget: the work budget bounds comparisons, this bounds what is kept.
    uint64_t retained_bytes() const { return retained_bytes_; }

    // Registers live in each frame of `s` (liveness.hpp).
    LiveMasks live_masks(const AbstractState& s) const;
    // Stack slots live in each frame of `s` (stack_liveness.hpp).
    StackMasks stack_masks(const AbstractState& s) const;

private:
    struct Checkpoint {
        AbstractState state;
        uint32_t branches;
        int32_t parent;
        uint64_t key;         // frames, call sites, live register types (Slot::not_init left out)
        uint64_t fingerprint = 0; // the whole state, for the exact (infinite-loop) test
        bool has_fingerprint = false;
        uint32_t hits = 0, misses = 0;
        bool evicted = false; // out of the slot's list, its frames dropped; kept for its parent links and history
        // Its precision waits for the loop's root to complete (the header): it prunes by
        // every scalar's bounds until then.
        bool awaits_loop = false;
        // awaits_loop: the root when it was marked; every checkpoint up to there was too.
        int32_t awaits_until = -1;
        bool backedge_target = false; // a pending backedge needs its precise marks: never evicted
        // Every scalar made precise by a loop-pass prune against an ancestor in progress
        // (visit), not by walking the history before it: a later mask must go on past it.
        bool forced_precise = false;
        // forced_precise: where the loop-head prune's walk that marked it stopped (the
        // ancestor, or -1: the root); the walk marked every checkpoint in between, so a
        // later walk jumps there.
        int32_t forced_until = -1;
        // forced_precise: 1 + the index in passed_ of the bits masks have carried past it
        // (0: none yet). A walk from here with the same bits would mark the same values:
        // only new bits go on, so a long chain of such checkpoints is walked once per bit.
        uint32_t passed = 0;
    };
    struct Slot {
        std::vector<uint32_t> entries; // indices into all_, evicted ones removed
        uint32_t stored = 0;          // checkpoints ever stored here, evicted ones too (see visit)
        uint32_t passes_unstored = 0; // arrivals since the last store here (see visit)
        uint16_t not_init = 0;        // live registers some state here had uninitialised: not keyed (visit)
    };
    std::vector<PrecisionMask> passed_; // see Checkpoint::passed
    // A prune against a checkpoint whose precision is not final yet (the header): the
    // pruned path's parent and history, to be given the target's precise scalars.
    struct Backedge {
        int32_t target;
        int32_t parent;
        std::vector<HistoryEntry> history;
        LiveMasks live;
        PrecisionMask sent; // what went along it already
    };
    std::vector<Backedge> backedges_;
    std::vector<int32_t> awaiting_; // checkpoints with awaits_loop set
    int32_t loop_root_ = -1;        // the outermost target of a pending backedge, or -1
    static constexpr size_t kMaxPerInsn = 64; // completed; beyond this, the oldest leaves the list (visit)
    static constexpr size_t kMaxExploringPerInsn = 1024; // with those still being explored (visit)
    // The first states to reach a pruning point that no loop passes through, and then every
    // kStoreEvery-th arrival that stored nothing, are stored whatever the caller's heuristic
    // says (visit).
    static constexpr uint32_t kFirstStates = 8;
    static constexpr uint32_t kStoreEvery = 4;
    static constexpr size_t kExtraStoresUpTo = 16; // outside loops, see visit

    void propagate(int32_t cp, const std::vector<HistoryEntry>* history, PrecisionMask mask);
    // `state` was pruned against checkpoint `target` whose precision is not final: keeps
    // the backedge and makes the path up to the loop's root await it.
    void add_backedge(const AbstractState& state, int32_t target, const LiveMasks& live);
    // The root completed: every backedge gets its target's precise scalars, to a fixpoint.
    void settle_backedges();
    // Checkpoint list[k] leaves `list` (kept in all_ for its parent links).
    void evict(std::vector<uint32_t>& list, size_t k);

    const isa::Program& program_;
    const Liveness& liveness_;
    const bool allow_uninit_stack_;
    const bool invalid_covers_pointers_; // see the constructor
    const bool loop_pass_;               // see the constructor
    std::vector<UninitByte> uninit_;
    std::vector<PrecisionMask> linked_copies_; // HistoryEntry::linked - 1 indexes it
    std::vector<Checkpoint> all_;
    std::vector<Slot> at_pc_;
    uint64_t stored_ = 0, pruned_ = 0, work_ = 0, retained_bytes_ = 0;
};

// Units of work one state represents (registers plus stack slots over its frames).
uint64_t state_size(const AbstractState& s);
// Approximate heap and object bytes one state holds (frames, stack slots, history).
uint64_t state_bytes(const AbstractState& s);

} // namespace ebpfjit::verifier
