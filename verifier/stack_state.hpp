// One frame's stack, as 8-byte slots growing down from r10:
//
//   r10 ─► ┌──────────────┐ offset 0
//          │ slot 0       │ fp-8 .. fp-1
//          │ slot 1       │ fp-16 .. fp-9
//          │ ...          │
//          └──────────────┘ fp-512
//
// Each byte is uninitialised, scalar data ("misc"), known zero, or part of a spilled
// register; a whole 8-byte spill keeps the register's full state, so pointers survive
// a trip through the stack. Slots are allocated as the program touches them.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "verifier/reg_state.hpp"

namespace ebpfjit::verifier {

enum class ByteKind : uint8_t { Invalid, Misc, Zero, Spill };

struct StackSlot {
    std::array<ByteKind, 8> bytes{}; // bytes[0] is the lowest address (fp - 8*(i+1))
    RegState spilled;                // valid when all bytes are Spill
    // Checkpoints only: a continuation needed these bytes' exact kinds (zero, not just
    // initialised); see precision.hpp. Spills use spilled.precise instead.
    bool precise = false;

    bool is_spill() const { return bytes[0] == ByteKind::Spill; }
    friend bool operator==(const StackSlot&, const StackSlot&) = default;
};

class StackState {
public:
    // Byte at offset `off` from r10 (off in [-512, -1]).
    ByteKind byte(int32_t off) const;
    const StackSlot* find_slot(int32_t off) const; // nullptr if never touched
    StackSlot& slot_for(int32_t off); // allocates
    // Deepest byte ever touched (positive: 0..512), for the combined-stack check.
    uint32_t depth() const { return uint32_t(slots_.size()) * 8; }
    const std::vector<StackSlot>& slots() const { return slots_; }
    std::vector<StackSlot>& slots() { return slots_; }

    // Writes of non-register data: bytes become Misc (or Zero), spills they touch break.
    void write_bytes(int32_t off, uint32_t size, ByteKind kind);
    void spill(int32_t off, const RegState& reg); // off is 8-aligned

    friend bool operator==(const StackState&, const StackState&) = default;

private:
    static size_t index(int32_t off) { return size_t((-off - 1) / 8); }
    std::vector<StackSlot> slots_;
};

} // namespace ebpfjit::verifier
