#include "runtime/interpreter/callbacks.hpp"

#include <algorithm>

namespace ebpfjit::runtime {

uint64_t callback_value(const isa::Program& program, uint32_t slot) {
    return reinterpret_cast<uint64_t>(program.insns.data() + slot);
}

std::optional<uint32_t> callback_slot(const isa::Program& program, uint64_t value) {
    const auto base = reinterpret_cast<uint64_t>(program.insns.data());
    constexpr uint64_t kSlotSize = sizeof(isa::Instruction);
    if (value < base || (value - base) % kSlotSize != 0) return std::nullopt;
    const uint64_t slot = (value - base) / kSlotSize;
    if (slot == 0 || slot >= program.size()) return std::nullopt; // slot 0 is the entry, not a callback
    const auto& starts = program.subprogram_starts;
    if (!std::binary_search(starts.begin(), starts.end(), static_cast<int32_t>(slot))) return std::nullopt;
    return static_cast<uint32_t>(slot);
}

} // namespace ebpfjit::runtime
