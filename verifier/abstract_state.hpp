// The abstract machine state on one path: a stack of call frames, each with its
// registers and its stack.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "isa/instruction.hpp"
#include "verifier/reg_state.hpp"
#include "verifier/stack_state.hpp"

namespace ebpfjit::verifier {

struct FrameState {
    std::array<RegState, isa::kNumRegisters> regs;
    StackState stack;
    int32_t callsite = -1; // slot of the call that created this frame (-1: entry frame)
    uint32_t subprogram = 0;
    friend bool operator==(const FrameState&, const FrameState&) = default;
};

struct AbstractState {
    std::vector<FrameState> frames;
    uint32_t pc = 0;
    int32_t parent = -1; // newest checkpoint on this path (see pruning.hpp)

    FrameState& cur() { return frames.back(); }
    const FrameState& cur() const { return frames.back(); }
    RegState& reg(uint8_t n) { return frames.back().regs[n]; }

    // Every register and spilled register in every frame.
    void for_each_reg(const std::function<void(RegState&)>& fn) {
        for (FrameState& f : frames) {
            for (RegState& r : f.regs) fn(r);
            for (StackSlot& s : f.stack.slots())
                if (s.is_spill()) fn(s.spilled);
        }
    }
};

} // namespace ebpfjit::verifier
