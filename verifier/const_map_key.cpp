#include "verifier/const_map_key.hpp"

namespace ebpfjit::verifier {

std::optional<ConstantKey> constant_stack_key(const AbstractState& s, const RegState& key, uint32_t key_size) {
    if (key.type != RegType::Stack || !key.var.is_const() || key_size == 0 || key_size > 8) return std::nullopt;
    if (key.frame >= s.frames.size()) return std::nullopt;
    const int64_t start = int64_t(key.off) + int64_t(key.var.value());
    if (start < -int64_t(isa::kStackSize) || start + int64_t(key_size) > 0) return std::nullopt;
    const StackState& stack = s.frames[key.frame].stack;
    ConstantKey out;
    out.frame = key.frame;
    for (uint32_t i = 0; i < key_size; ++i) { // little endian: byte i is bits 8i..8i+7
        const auto off = int32_t(start + int64_t(i));
        const StackSlot* slot = stack.find_slot(off);
        if (!slot) return std::nullopt;
        const auto index = size_t((-off - 1) / 8);
        const auto in_slot = size_t(off + int32_t(8 * (index + 1)));
        uint64_t byte = 0;
        switch (slot->bytes[in_slot]) {
        case ByteKind::Zero: break;
        case ByteKind::Spill:
            if (!slot->spilled.is_scalar() || !slot->spilled.var.is_const()) return std::nullopt;
            byte = (slot->spilled.var.value() >> (8 * in_slot)) & 0xff;
            break;
        default: return std::nullopt;
        }
        out.value |= byte << (8 * i);
        if (index < 64) out.slots |= uint64_t(1) << index;
        else return std::nullopt; // beyond the precision mask: not relied on
    }
    return out;
}

} // namespace ebpfjit::verifier
