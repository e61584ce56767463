// Precision tracking, after the kernel's mark_chain_precision. Scalars start imprecise:
// a checkpoint compares them by type only. When safety depends on a scalar's bounds
// (pointer arithmetic, a helper's size argument, a branch only one edge of which is
// feasible, a NULL constant), that register is marked precise: the path is walked
// backwards through its history, following data flow (r1 = r2 + r3 needs r2 and r3;
// a stack fill needs the spill), and every checkpoint passed on the way gets the
// registers / stack slots the value came from marked precise.
//
//   checkpoint A ── history ──► checkpoint B ── history ──► use at pc
//        ▲ mark                     ▲ mark                   mask = {r3}
//
// A checkpoint's precise marks are final once it is complete, so a later path pruned
// against it only needs the marked scalars to be within the checkpoint's bounds.
#pragma once

#include <array>
#include <cstdint>

#include "isa/instruction.hpp"
#include "verifier/abstract_state.hpp"

namespace ebpfjit::verifier {

// Registers and stack slots (8 bytes each, slot i = fp-8*(i+1)) per absolute frame.
struct PrecisionMask {
    std::array<uint16_t, isa::kMaxCallDepth> regs{};
    std::array<uint64_t, isa::kMaxCallDepth> slots{};
    // Slots whose narrow spill's value a fill handed on (the kernel's stack mask for a
    // spilled register): its spilled scalar is made precise, not the slot's bytes.
    std::array<uint64_t, isa::kMaxCallDepth> narrow{};

    bool empty() const {
        for (size_t f = 0; f < regs.size(); ++f)
            if (regs[f] || slots[f] || narrow[f]) return false;
        return true;
    }
    // Drops the bits `seen` has, and adds them to it.
    void drop_seen(PrecisionMask& seen) {
        for (size_t f = 0; f < regs.size(); ++f) {
            regs[f] = uint16_t(regs[f] & ~seen.regs[f]);
            slots[f] &= ~seen.slots[f];
            narrow[f] &= ~seen.narrow[f];
            seen.regs[f] = uint16_t(seen.regs[f] | regs[f]);
            seen.slots[f] |= slots[f];
            seen.narrow[f] |= narrow[f];
        }
    }
};

// Steps `mask` from after `insn` to before it. False: the instruction cannot be
// followed (the caller then marks every scalar precise). `copies`: at a conditional jump,
// the id-linked copies of its operands (HistoryEntry::linked), all precise if one is.
bool backtrack_insn(const isa::Instruction& insn, const HistoryEntry& e, PrecisionMask& mask,
                    const PrecisionMask* copies = nullptr);

// Marks the masked scalars of `state` precise. Bits of values already precise (their
// history was walked before), or not scalars, leave the mask.
void apply_precision(AbstractState& state, PrecisionMask& mask);

// Every scalar of `state` precise (the fallback).
void mark_all_precise(AbstractState& state);

} // namespace ebpfjit::verifier
