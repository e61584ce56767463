#include "verifier/stack_state.hpp"

namespace ebpfjit::verifier {

ByteKind StackState::byte(int32_t off) const {
    size_t i = index(off);
    if (i >= slots_.size()) return ByteKind::Invalid;
    return slots_[i].bytes[size_t(off + int32_t(8 * (i + 1)))];
}

const StackSlot* StackState::find_slot(int32_t off) const {
    size_t i = index(off);
    return i < slots_.size() ? &slots_[i] : nullptr;
}

StackSlot& StackState::slot_for(int32_t off) {
    size_t i = index(off);
    if (i >= slots_.size()) slots_.resize(i + 1);
    return slots_[i];
}

void StackState::write_bytes(int32_t off, uint32_t size, ByteKind kind) {
    for (int32_t o = off; o < off + int32_t(size); ++o) {
        StackSlot& s = slot_for(o);
        if (s.is_spill()) { // a partial overwrite turns the rest of the spill into data
            for (ByteKind& b : s.bytes) b = ByteKind::Misc;
            s.spilled = RegState{};
        }
        if (s.narrow) { // any write to the slot ends a narrow spill (kernel: scrub_spilled_slot)
            s.narrow = 0;
            s.spilled = RegState{};
        }
        size_t i = index(o);
        s.bytes[size_t(o + int32_t(8 * (i + 1)))] = kind;
    }
}

void StackState::spill(int32_t off, const RegState& reg) {
    StackSlot& s = slot_for(off);
    s.bytes.fill(ByteKind::Spill);
    s.spilled = reg;
    s.narrow = 0;
}

void StackState::spill_narrow(int32_t off, uint32_t size, const RegState& reg, ByteKind kind) {
    StackSlot& s = slot_for(off);
    if (s.is_spill()) // the rest of an 8-byte spill is data now (kernel: mark_stack_slot_misc)
        for (ByteKind& b : s.bytes) b = ByteKind::Misc;
    for (uint32_t i = 0; i < size && i < 8; ++i) s.bytes[i] = kind;
    s.spilled = reg;
    s.narrow = uint8_t(size);
}

} // namespace ebpfjit::verifier
