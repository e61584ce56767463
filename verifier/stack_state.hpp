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
// a trip through the stack. A scalar stored with 1, 2 or 4 bytes at the start of a slot
// (fp-8k) is the kernel's narrow spill (save_register_state with size < 8): its bytes
// stay data (Misc, or Zero for a stored 0) and the slot also keeps the scalar they hold
// (`narrow`), so a fill of that size or less at that offset gets the value back. Any
// other write to the slot forgets it. Slots are allocated as the program touches them.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "verifier/reg_state.hpp"

namespace ebpfjit::verifier {

enum class ByteKind : uint8_t { Invalid, Misc, Zero, Spill };

struct StackSlot {
    std::array<ByteKind, 8> bytes{}; // bytes[0] is the lowest address (fp - 8*(i+1))
    RegState spilled;                // valid when all bytes are Spill, or narrow != 0
    // 1, 2 or 4: bytes[0, narrow) hold the low bytes of `spilled`, a scalar (its value
    // fits when stored; a loop-pass widening may grow it, so a fill still truncates);
    // no byte is Spill. 0: no narrow spill. Every other reader sees plain data.
    uint8_t narrow = 0;
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
    // The kernel's narrow spill: `reg` (a scalar, its value < 2^(8*size)) stored with
    // `size` < 8 bytes at an 8-aligned off; its bytes become `kind` (Misc or Zero), the
    // rest of an 8-byte spill in the slot becomes Misc, other bytes keep their kinds.
    void spill_narrow(int32_t off, uint32_t size, const RegState& reg, ByteKind kind);

    friend bool operator==(const StackState&, const StackState&) = default;

private:
    static size_t index(int32_t off) { return size_t((-off - 1) / 8); }
    std::vector<StackSlot> slots_;
};

} // namespace ebpfjit::verifier
