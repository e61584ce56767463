// What the verifier proved, handed to the lowering pass (jit::lower) so that the
// backends emit no checks the proof makes unnecessary. All vectors are indexed by slot
// and either empty (nothing proved: be conservative) or program-sized.
#pragma once

#include <cstdint>
#include <vector>

namespace ebpfjit::verifier {

struct Facts {
    // false: no path reaches this slot; the lowering emits nothing for it.
    std::vector<bool> reachable;
    // Loads/stores/atomics proven inside their region on every path.
    std::vector<bool> access_in_bounds;
    // Div/mod whose divisor is proven non-zero (and, for signed ops, not -1 with INT_MIN).
    std::vector<bool> divisor_safe;
    // Bit n set: before this slot, rn's upper 32 bits are known zero on every path.
    std::vector<uint16_t> upper32_zero;

    bool is_reachable(uint32_t pc) const { return reachable.empty() || reachable[pc]; }
    bool in_bounds(uint32_t pc) const { return !access_in_bounds.empty() && access_in_bounds[pc]; }
    bool divisor_is_safe(uint32_t pc) const { return !divisor_safe.empty() && divisor_safe[pc]; }
    bool upper_zero(uint32_t pc, uint8_t reg) const {
        return !upper32_zero.empty() && ((upper32_zero[pc] >> reg) & 1);
    }
};

} // namespace ebpfjit::verifier
