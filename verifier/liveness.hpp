// Static register liveness: before each slot, which registers some path may still read
// before writing them. A checkpoint ignores dead registers when it compares states
// (the kernel gets the same effect from its REG_LIVE_READ marks): nothing downstream
// depends on their values, so any two states that differ only there are equivalent.
//
// The analysis is isa/liveness.hpp (shared with the jit); here a helper reads its
// prototype's arguments, and r10 is always live.
#pragma once

#include <cstdint>
#include <vector>

#include "helpers/helper_table.hpp"
#include "isa/instruction.hpp"
#include "verifier/stack_liveness.hpp"

namespace ebpfjit::verifier {

class Liveness {
public:
    Liveness(const isa::Program& program, const helpers::HelperTable* helpers,
             const std::vector<int32_t>& subprogram_starts, const std::vector<maps::MapDefinition>& maps = {});
    // Bit n: rn is live before `pc` (r10 always).
    uint16_t live_before(uint32_t pc) const { return live_in_[pc]; }
    // The stack slots (stack_liveness.hpp): bit i, slot [fp-8(i+1), fp-8i) of the frame
    // running `pc`; and whether the call at `pc` lets its callee read the caller's frame.
    const StackLiveness& stack() const { return stack_; }

private:
    std::vector<uint16_t> live_in_;
    StackLiveness stack_;
};

} // namespace ebpfjit::verifier
