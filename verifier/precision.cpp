#include "verifier/precision.hpp"

#include <type_traits>

namespace ebpfjit::verifier {

namespace {

constexpr uint16_t bit(uint8_t r) { return uint16_t(1u << r); }
constexpr uint16_t kCallerSaved = 0x3f; // r0..r5
constexpr uint16_t kArgRegs = 0x3e;     // r1..r5

uint64_t slot_bits(uint8_t lo, uint8_t hi) {
    uint64_t m = 0;
    for (uint32_t s = lo; s <= hi && s < 64; ++s) m |= uint64_t(1) << s;
    return m;
}

// Whether `mask` holds any of `copies`; if so, it takes them all.
void sync_copies(PrecisionMask& mask, const PrecisionMask& copies) {
    bool any = false;
    for (size_t f = 0; f < mask.regs.size(); ++f)
        any = any || (mask.regs[f] & copies.regs[f]) || (mask.slots[f] & copies.slots[f]) ||
              (mask.narrow[f] & copies.narrow[f]);
    if (!any) return;
    for (size_t f = 0; f < mask.regs.size(); ++f) {
        mask.regs[f] |= copies.regs[f];
        mask.slots[f] |= copies.slots[f];
        mask.narrow[f] |= copies.narrow[f];
    }
}

} // namespace

bool backtrack_insn(const isa::Instruction& insn, const HistoryEntry& e, PrecisionMask& mask,
                    const PrecisionMask* copies) {
    if (e.depth == 0 || e.depth > isa::kMaxCallDepth) return false;
    const size_t f = size_t(e.depth - 1);
    uint16_t& regs = mask.regs[f];
    return std::visit(
        [&](const auto& i) -> bool {
            using T = std::decay_t<decltype(i)>;
            if constexpr (std::is_same_v<T, isa::Alu>) {
                const auto* src = std::get_if<isa::Reg>(&i.src);
                if (!(regs & bit(i.dst.n))) return true;
                const bool is_mov = i.op == isa::AluOp::Mov || i.op == isa::AluOp::MovSx8 ||
                                    i.op == isa::AluOp::MovSx16 || i.op == isa::AluOp::MovSx32;
                if (is_mov) regs = uint16_t(regs & ~bit(i.dst.n)); // the old value is gone
                if (src && i.op != isa::AluOp::Neg) regs |= bit(src->n);
                return true;
            } else if constexpr (std::is_same_v<T, isa::Endian>) {
                return true;
            } else if constexpr (std::is_same_v<T, isa::LoadImm64>) {
                regs = uint16_t(regs & ~bit(i.dst.n));
                return true;
            } else if constexpr (std::is_same_v<T, isa::Load>) {
                if (!(regs & bit(i.dst.n))) return true;
                regs = uint16_t(regs & ~bit(i.dst.n));
                if (e.stack_frame != HistoryEntry::kNoStack && !e.data_fill) {
                    if (e.stack_frame >= isa::kMaxCallDepth) return false;
                    // A narrow spill's fill: its value came from the spilled scalar alone.
                    if (e.narrow_fill) mask.narrow[e.stack_frame] |= slot_bits(e.slot_lo, e.slot_hi);
                    else mask.slots[e.stack_frame] |= slot_bits(e.slot_lo, e.slot_hi);
                }
                return true;
            } else if constexpr (std::is_same_v<T, isa::Store>) {
                if (e.stack_frame == HistoryEntry::kNoStack) return true;
                if (e.stack_frame >= isa::kMaxCallDepth) return false;
                uint64_t& slots = mask.slots[e.stack_frame];
                uint64_t& narrow = mask.narrow[e.stack_frame];
                const uint64_t touched = slot_bits(e.slot_lo, e.slot_hi);
                // The narrow spill a later fill read: made here, from the source register.
                const bool spilled_here = e.narrow_spill && (narrow & touched);
                if (e.narrow_spill || e.whole_slot) narrow &= ~touched; // any other value started here
                if (!(slots & touched) && !spilled_here) return true;
                if (e.whole_slot) slots &= ~touched; // a partial store keeps the rest of the slot
                if (const auto* src = std::get_if<isa::Reg>(&i.src)) regs |= bit(src->n);
                return true;
            } else if constexpr (std::is_same_v<T, isa::Atomic>) {
                // The fetched value is a fresh unknown; memory operands stay as they are.
                if (i.op == isa::AtomicOp::CmpXchg) regs = uint16_t(regs & ~bit(0));
                else if (i.fetch) regs = uint16_t(regs & ~bit(i.src.n));
                return true;
            } else if constexpr (std::is_same_v<T, isa::Jump>) {
                if (i.cond == isa::Cond::Always) return true;
                // A copy of an operand (same id) learnt the bounds too: the comparison
                // made it what it is after the jump, so every copy is needed precise.
                if (copies) sync_copies(mask, *copies);
                const auto* src = std::get_if<isa::Reg>(&i.src);
                if (!src) return true; // bounds from a constant depend on nothing else
                // Each operand's new bounds came from the other.
                if (regs & (bit(i.dst.n) | bit(src->n))) regs |= uint16_t(bit(i.dst.n) | bit(src->n));
                if (copies) sync_copies(mask, *copies); // the other operand's copies
                return true;
            } else if constexpr (std::is_same_v<T, isa::Call>) {
                if (i.kind != isa::CallKind::Local || e.summarised_call) {
                    regs = uint16_t(regs & ~kCallerSaved); // r0 is the helper's result, r1..r5 clobbered
                    // Backwards over the entry of a callback it calls: the callback's
                    // arguments are fresh values or pointers, which need no precision.
                    if (f + 1 < isa::kMaxCallDepth) {
                        mask.regs[f + 1] = 0;
                        mask.slots[f + 1] = 0;
                        mask.narrow[f + 1] = 0;
                    }
                    return true;
                }
                // Backwards over a local call: the callee's arguments are the caller's r1..r5.
                if (f + 1 >= isa::kMaxCallDepth) return false;
                regs |= uint16_t(mask.regs[f + 1] & kArgRegs);
                mask.regs[f + 1] = 0;
                mask.slots[f + 1] = 0;
                mask.narrow[f + 1] = 0;
                return true;
            } else if constexpr (std::is_same_v<T, isa::Exit>) {
                if (f == 0) return true; // the path ended here: nothing after it
                // Backwards over a return: the caller's r0 is the callee's r0.
                uint16_t& caller = mask.regs[f - 1];
                const bool r0 = caller & bit(0);
                caller = uint16_t(caller & ~kCallerSaved);
                regs = r0 ? bit(0) : 0;
                mask.slots[f] = 0;
                mask.narrow[f] = 0;
                return true;
            } else if constexpr (std::is_same_v<T, isa::PacketLoad>) {
                regs = uint16_t(regs & ~kCallerSaved);
                return true;
            } else {
                return false; // callx and the rest: give up
            }
        },
        insn);
}

void apply_precision(AbstractState& state, PrecisionMask& mask) {
    for (size_t f = 0; f < mask.regs.size(); ++f) {
        if (f >= state.frames.size()) {
            mask.regs[f] = 0;
            mask.slots[f] = 0;
            mask.narrow[f] = 0;
            continue;
        }
        FrameState& frame = state.frames[f];
        for (uint8_t r = 0; r < isa::kNumRegisters; ++r) {
            if (!(mask.regs[f] & bit(r))) continue;
            RegState& reg = frame.regs[r];
            if (!reg.is_scalar() || reg.precise) mask.regs[f] = uint16_t(mask.regs[f] & ~bit(r));
            else reg.precise = true;
        }
        auto& slots = frame.stack.slots();
        for (uint64_t pending = mask.slots[f]; pending; pending &= pending - 1) {
            const size_t s = size_t(__builtin_ctzll(pending));
            const uint64_t b = uint64_t(1) << s;
            StackSlot* slot = s < slots.size() ? &slots[s] : nullptr;
            if (slot && !slot->is_spill()) { // plain bytes: whether they are known zeros matters
                if (slot->precise) mask.slots[f] &= ~b;
                else slot->precise = true;
                continue;
            }
            if (!slot || !slot->spilled.is_scalar() || slot->spilled.precise) mask.slots[f] &= ~b;
            else slot->spilled.precise = true;
        }
        for (uint64_t pending = mask.narrow[f]; pending; pending &= pending - 1) {
            const size_t s = size_t(__builtin_ctzll(pending));
            const uint64_t b = uint64_t(1) << s;
            StackSlot* slot = s < slots.size() ? &slots[s] : nullptr;
            if (!slot || !slot->narrow || !slot->spilled.is_scalar() || slot->spilled.precise) mask.narrow[f] &= ~b;
            else slot->spilled.precise = true;
        }
    }
}

void mark_all_precise(AbstractState& state) {
    state.for_each_reg([](RegState& r) {
        if (r.is_scalar()) r.precise = true;
    });
}

} // namespace ebpfjit::verifier
