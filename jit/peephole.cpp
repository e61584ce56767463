// Pair fusions over the lowered slots (jit::lower's last pass, after the register
// analyses, which therefore still see both instructions of each pair).
#include "jit/lowering_passes.hpp"

namespace ebpfjit::jit::detail {

namespace {

using namespace isa;

// The condition with the opposite outcome; Always for jset, which has none.
Cond inverse(Cond c) {
    switch (c) {
    case Cond::Eq: return Cond::Ne;
    case Cond::Ne: return Cond::Eq;
    case Cond::Gt: return Cond::Le;
    case Cond::Le: return Cond::Gt;
    case Cond::Ge: return Cond::Lt;
    case Cond::Lt: return Cond::Ge;
    case Cond::SGt: return Cond::SLe;
    case Cond::SLe: return Cond::SGt;
    case Cond::SGe: return Cond::SLt;
    case Cond::SLt: return Cond::SGe;
    case Cond::Always:
    case Cond::Set: return Cond::Always;
    }
    return Cond::Always;
}

// `if cond goto +1; goto T` (clang's loop latch) -> `if !cond goto T`.
bool fuse_branch_over_jump(LoweredSlot& s, LoweredSlot& next, uint32_t pc) {
    auto* j = std::get_if<Jump>(&s.insn);
    const auto* ja = std::get_if<Jump>(&next.insn);
    if (j == nullptr || ja == nullptr || ja->cond != Cond::Always) return false;
    if (static_cast<uint32_t>(j->target) != pc + 2 || inverse(j->cond) == Cond::Always) return false;
    j->cond = inverse(j->cond);
    j->target = ja->target;
    next.emit = false;
    return true;
}

// `mov64 d, s; add64 d, x` -> LoweredSlot::add_fused / fused_add (d = s + x).
bool fuse_mov_add(LoweredSlot& s, const LoweredSlot& next) {
    const auto* mov = std::get_if<Alu>(&s.insn);
    const auto* add = std::get_if<Alu>(&next.insn);
    if (mov == nullptr || add == nullptr) return false;
    if (mov->op != AluOp::Mov || !mov->is64 || add->op != AluOp::Add || !add->is64) return false;
    const auto* src = std::get_if<Reg>(&mov->src);
    if (src == nullptr || src->n == mov->dst.n || add->dst.n != mov->dst.n) return false;
    s.add_fused = true;
    return true;
}

} // namespace

void fuse_pairs(Lowered& out) {
    const size_t n = out.slots.size();
    for (size_t pc = 0; pc + 1 < n; ++pc) {
        LoweredSlot& s = out.slots[pc];
        LoweredSlot& next = out.slots[pc + 1];
        // The second instruction must be reachable only through the first.
        if (!s.emit || !next.emit || next.label || next.subprogram != s.subprogram) continue;
        if (fuse_branch_over_jump(s, next, static_cast<uint32_t>(pc))) continue;
        if (fuse_mov_add(s, next)) {
            next.fused_add = true;
            ++pc; // the add is consumed
        }
    }
}

} // namespace ebpfjit::jit::detail
