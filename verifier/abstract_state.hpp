// The abstract machine state on one path: a stack of call frames, each with its
// registers and its stack.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "helpers/helper_table.hpp"
#include "isa/instruction.hpp"
#include "verifier/reg_state.hpp"
#include "verifier/stack_state.hpp"
#include "verifier/zone.hpp"

namespace ebpfjit::verifier {

struct FrameState {
    std::array<RegState, isa::kNumRegisters> regs;
    StackState stack;
    int32_t callsite = -1; // slot of the call that created this frame (-1: entry frame)
    uint32_t subprogram = 0;
    // A callback's frame (bpf_loop, ...): its exit returns to the helper call at
    // `callsite`, which may call it again. The caller frames' stacks as they were when it
    // was entered: slots the callback changed are widened at its exit (see exec_exit).
    bool in_callback = false;
    std::shared_ptr<const std::vector<StackState>> caller_stacks;
    friend bool operator==(const FrameState&, const FrameState&) = default;
};

// One instruction executed on a path since its newest checkpoint: what precision
// backtracking (precision.hpp) needs to walk the path backwards.
struct HistoryEntry {
    static constexpr uint8_t kNoStack = 0xff;
    uint32_t pc = 0;
    uint8_t depth = 1;                // frames before the instruction
    uint8_t stack_frame = kNoStack;   // load/store at a constant stack offset: its frame
    uint8_t slot_lo = 0, slot_hi = 0; // ... and the 8-byte slots it touched
    bool whole_slot = false;          // ... an aligned 8-byte store (replaces the slot)
    bool narrow_spill = false;        // ... a store that made a narrow spill (stack_state.hpp)
    bool narrow_fill = false;         // ... a load that got a narrow spill's value
    bool data_fill = false;           // ... a load of data: an unknown value, whatever the bytes
    int16_t stack_off = 0;            // ... the lowest byte it touched (fp + stack_off)
    uint32_t linked = 0;              // jump on a scalar with id-linked copies: 1 + index of
                                      // the copies' mask (Checkpoints::linked_copies)
    bool summarised_call = false;     // a global function's call, checked against its prototype:
                                      // no frame was pushed, r0 is a fresh unknown
};

struct AbstractState {
    std::vector<FrameState> frames;
    uint32_t pc = 0;
    int32_t parent = -1; // newest checkpoint on this path (see pruning.hpp)
    std::vector<HistoryEntry> history; // instructions since `parent`
    // Acquired references (ringbuf records, sockets) not yet released, in acquisition
    // order (the kernel's acquired_refs): each must be given back before the program exits
    // or tail-calls. The id is the one every copy of the acquired pointer carries.
    struct Ref {
        uint32_t id;
        uint32_t acquired_at; // slot of the acquiring call
        helpers::RefKind kind = helpers::RefKind::None;
        // 1 + the index of the innermost callback frame it was acquired in (0: none): a
        // callback gives back what it acquired before it returns (the kernel's callback_ref).
        uint8_t callback_frame = 0;
        friend bool operator==(const Ref&, const Ref&) = default;
    };
    std::vector<Ref> refs;
    void release_ref(uint32_t id) {
        std::erase_if(refs, [id](const Ref& r) { return r.id == id; });
    }
    const Ref* find_ref(uint32_t id) const {
        for (const Ref& r : refs)
            if (r.id == id) return &r;
        return nullptr;
    }

    // The bpf_spin_lock held on this path (at most one, as in the kernel), named by its
    // map and the id of the lookup that found the value (0 for a direct .data value).
    struct Lock {
        const maps::MapDefinition* map = nullptr;
        uint32_t id = 0;
        uint32_t acquired_at = 0; // slot of the bpf_spin_lock call
    };
    std::optional<Lock> lock;
    // Callback runs finished on this path (the kernel's callback_unroll_depth): a state
    // seen in an earlier run of a callback is another iteration, not an infinite loop.
    uint32_t callback_runs = 0;
    // Loop pass only (docs/loop-verification.md): relations between the values named by
    // RegState::sym. Empty in the path walk.
    std::optional<Zone> zone;

    FrameState& cur() { return frames.back(); }
    const FrameState& cur() const { return frames.back(); }
    RegState& reg(uint8_t n) { return frames.back().regs[n]; }

    // Every register and spilled register (narrow spills too) in every frame.
    void for_each_reg(const std::function<void(RegState&)>& fn) {
        for (FrameState& f : frames) {
            for (RegState& r : f.regs) fn(r);
            for (StackSlot& s : f.stack.slots())
                if (s.is_spill() || s.narrow) fn(s.spilled);
        }
    }
};

} // namespace ebpfjit::verifier
