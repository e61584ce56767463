#include "verifier/constant_returns.hpp"

#include <algorithm>

#include "isa/alu_semantics.hpp"
#include "isa/liveness.hpp"

namespace ebpfjit::verifier::constant_returns {

using namespace isa;

// The returns before `insn`, from those after it (backward).
Returns returns_before(const Instruction& insn, Returns after, bool tail_call) {
    if (std::holds_alternative<Exit>(insn)) {
        Returns r;
        r.regs = 1; // r0
        return r;
    }
    if (tail_call || std::holds_alternative<CallX>(insn)) return Returns::anything();
    if (after.unknown) return after;
    const uint16_t def = use_def(insn).def;
    if (!(after.regs & def)) return after;
    after.regs &= uint16_t(~def);
    if (const auto* l = std::get_if<LoadImm64>(&insn); l && l->kind == LddwKind::Imm64) {
        after.add(l->value());
        return after;
    }
    const auto* a = std::get_if<Alu>(&insn);
    if (a && a->op == AluOp::Mov) {
        if (const auto* imm = std::get_if<Imm>(&a->src)) {
            after.add(a->is64 ? uint64_t(int64_t(imm->v)) : uint64_t(uint32_t(imm->v)));
            return after;
        }
        if (const auto* src = std::get_if<Reg>(&a->src); src && a->is64 && src->n < kFramePointer) {
            after.regs |= uint16_t(1u << src->n);
            return after;
        }
    }
    return Returns::anything();
}


// Slots live before `pc` on the paths the known constants allow (the machine's own
// semantics: isa/alu_semantics.hpp), a jump on known operands going one way only. Where
// nothing is known any more, or after `budget` slots, the path-insensitive liveness.
uint64_t live_given(const Program& program, size_t pc, Consts c, const std::vector<uint64_t>& use,
                    const std::vector<uint64_t>& def, const std::vector<uint64_t>& live_in, int& budget) {
    if (c.known == 0 || budget <= 0) return live_in[pc];
    --budget;
    const Instruction& insn = program.insns[pc];
    uint64_t out = 0;
    if (const auto* j = std::get_if<Jump>(&insn); j && j->cond != Cond::Always) {
        const auto a = c.get(j->dst.n), b = c.operand(j->src);
        if (a && b) {
            const size_t next = semantics::condition(j->cond, j->is32, *a, *b) ? size_t(j->target) : pc + 1;
            return use[pc] | (live_given(program, next, c, use, def, live_in, budget) & ~def[pc]);
        }
    }
    if (const auto* a = std::get_if<Alu>(&insn)) {
        const bool unary = a->op == AluOp::Neg;
        const bool mov = a->op == AluOp::Mov || a->op == AluOp::MovSx8 || a->op == AluOp::MovSx16 ||
                         a->op == AluOp::MovSx32;
        const auto d = c.get(a->dst.n);
        const auto s = unary ? std::optional<uint64_t>(0) : c.operand(a->src);
        std::optional<uint64_t> r;
        if (s && (d || mov)) {
            const uint64_t dv = d.value_or(0);
            r = a->is64 ? semantics::alu64(a->op, dv, *s) : semantics::alu32(a->op, uint32_t(dv), uint32_t(*s));
        }
        c.set(a->dst.n, r);
    } else if (const auto* l = std::get_if<LoadImm64>(&insn)) {
        c.set(l->dst.n, l->kind == LddwKind::Imm64 ? std::optional<uint64_t>(l->value()) : std::nullopt);
    } else if (const auto* e = std::get_if<Endian>(&insn)) {
        const auto d = c.get(e->dst.n);
        c.set(e->dst.n, d ? std::optional<uint64_t>(semantics::endian(e->op, e->bits, *d)) : std::nullopt);
    } else {
        const uint16_t defined = use_def(insn).def;
        for (uint8_t r = 0; r < kNumRegisters; ++r)
            if (defined >> r & 1) c.set(r, std::nullopt);
    }
    for_each_successor(program, pc, [&](size_t next) { out |= live_given(program, next, c, use, def, live_in, budget); });
    return use[pc] | (out & ~def[pc]);
}

} // namespace ebpfjit::verifier::constant_returns
