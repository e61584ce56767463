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

namespace ebpfjit::verifier {

class Liveness {
public:
    Liveness(const isa::Program& program, const helpers::HelperTable* helpers);
    // Bit n: rn is live before `pc` (r10 always).
    uint16_t live_before(uint32_t pc) const { return live_in_[pc]; }

private:
    std::vector<uint16_t> live_in_;
};

} // namespace ebpfjit::verifier
