#include "verifier/const_map_key.hpp"

namespace ebpfjit::verifier {

KeyTrace trace_constant_key(const isa::Program& program, const std::vector<HistoryEntry>& history, size_t depth,
                            int64_t start, uint8_t& bytes, uint16_t& regs) {
    constexpr uint16_t kCallerSaved = 0x3f; // r0..r5
    const auto frame = uint8_t(depth - 1);
    for (auto it = history.rbegin(); it != history.rend(); ++it) {
        if (!bytes && !regs) return KeyTrace::Found;
        if (it->depth != depth) return KeyTrace::Lost; // a callee ran: it may have written through a pointer
        const isa::Instruction& insn = program.insns[it->pc];
        if (const auto* st = std::get_if<isa::Store>(&insn)) {
            // Only a store at a constant offset leaves bytes the state knows: anything else
            // that wrote them (a variable offset, a helper) left data (Misc), and the key
            // would not be known at all. So the newest such store is the one to find.
            if (!bytes || it->stack_frame != frame) continue;
            uint8_t hit = 0;
            for (int64_t i = 0; i < int64_t(st->size); ++i)
                if (const int64_t b = it->stack_off + i - start; b >= 0 && b < 8) hit = uint8_t(hit | 1u << b);
            hit &= bytes;
            if (!hit) continue;
            bytes = uint8_t(bytes & ~hit);
            if (const auto* src = std::get_if<isa::Reg>(&st->src)) regs |= uint16_t(1u << src->n);
        } else if (const auto* at = std::get_if<isa::Atomic>(&insn)) {
            if (bytes && it->stack_frame == frame) return KeyTrace::Lost;
            if ((regs >> at->src.n) & 1 || (at->op == isa::AtomicOp::CmpXchg && (regs & 1))) return KeyTrace::Lost;
        } else if (const auto* a = std::get_if<isa::Alu>(&insn)) {
            if (!((regs >> a->dst.n) & 1)) continue;
            if (a->op != isa::AluOp::Mov || !std::holds_alternative<isa::Imm>(a->src)) return KeyTrace::Lost;
            regs &= uint16_t(~(1u << a->dst.n));
        } else if (const auto* l = std::get_if<isa::Load>(&insn)) {
            if ((regs >> l->dst.n) & 1) return KeyTrace::Lost;
        } else if (const auto* e = std::get_if<isa::Endian>(&insn)) {
            if ((regs >> e->dst.n) & 1) return KeyTrace::Lost;
        } else if (const auto* l = std::get_if<isa::LoadImm64>(&insn)) {
            if ((regs >> l->dst.n) & 1) return KeyTrace::Lost;
        } else if (std::holds_alternative<isa::Call>(insn) || std::holds_alternative<isa::CallX>(insn)) {
            if (regs & kCallerSaved) return KeyTrace::Lost; // clobbered (a helper's writes to the key: data)
        } else if (std::holds_alternative<isa::PacketLoad>(insn)) {
            if (regs & kCallerSaved) return KeyTrace::Lost;
        }
        // Jumps, exits: nothing written.
    }
    return !bytes && !regs ? KeyTrace::Found : KeyTrace::Continue;
}


std::optional<ConstantKey> constant_stack_key(const AbstractState& s, const RegState& key, uint32_t key_size) {
    if (key.type != RegType::Stack || !key.var.is_const() || key_size == 0 || key_size > 8) return std::nullopt;
    if (s.frames.empty() || key.frame + 1u != s.frames.size()) return std::nullopt;
    const int64_t start = int64_t(key.off) + int64_t(key.var.value());
    if (start < -int64_t(isa::kStackSize) || start + int64_t(key_size) > 0) return std::nullopt;
    const StackState& stack = s.frames.back().stack;
    uint64_t value = 0;
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
        case ByteKind::Misc: // a byte of a narrow spill of a constant (the kernel's spill_size == key_size case)
            if (in_slot >= slot->narrow || !slot->spilled.is_scalar() || !slot->spilled.var.is_const())
                return std::nullopt;
            byte = (slot->spilled.var.value() >> (8 * in_slot)) & 0xff;
            break;
        default: return std::nullopt;
        }
        value |= byte << (8 * i);
    }
    return ConstantKey{value, start};
}

} // namespace ebpfjit::verifier
