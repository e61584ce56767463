// Conditional and unconditional jumps, with short forms where they fit.
#include "jit/x86_64/emitter.hpp"

namespace ebpfjit::jit::x86_64 {

using isa::Cond;

namespace {

x86::Inst::Id jcc_for(Cond cond) {
    switch (cond) {
    case Cond::Always: return x86::Inst::kIdJmp;
    case Cond::Eq: return x86::Inst::kIdJe;
    case Cond::Ne: return x86::Inst::kIdJne;
    case Cond::Set: return x86::Inst::kIdJnz;
    case Cond::Gt: return x86::Inst::kIdJa;
    case Cond::Ge: return x86::Inst::kIdJae;
    case Cond::Lt: return x86::Inst::kIdJb;
    case Cond::Le: return x86::Inst::kIdJbe;
    case Cond::SGt: return x86::Inst::kIdJg;
    case Cond::SGe: return x86::Inst::kIdJge;
    case Cond::SLt: return x86::Inst::kIdJl;
    case Cond::SLe: return x86::Inst::kIdJle;
    }
    return x86::Inst::kIdJmp;
}

} // namespace

// Backward jumps (label bound) get asmjit's own choice, which is exact. Forward jumps
// follow the plan of the previous pass (emitter.hpp).
void Emitter::jump(x86::Inst::Id inst, const asmjit::Label& target) {
    const uint32_t k = jump_count_++;
    if (!a_.code()->isLabelBound(target) && k < plan_.short_ok.size() && plan_.short_ok[k]) a_.short_();
    a_.emit(inst, target);
    plan_.ends.push_back(static_cast<uint32_t>(a_.offset()));
    plan_.label_ids.push_back(target.id());
}

// JMP compares 64 bits (imm sign-extended), JMP32 the low 32 bits.
void Emitter::emit_jump(const isa::Jump& insn) {
    const asmjit::Label& target = labels_[static_cast<size_t>(insn.target)];
    if (insn.cond != Cond::Always) {
        const bool w = !insn.is32;
        const x86::Gp dst = gp(insn.dst.n, w);
        if (const auto* r = std::get_if<isa::Reg>(&insn.src)) {
            if (insn.cond == Cond::Set) a_.test(dst, gp(r->n, w));
            else a_.cmp(dst, gp(r->n, w));
        } else {
            const int64_t imm = w ? static_cast<int64_t>(slot_->constant)
                                  : static_cast<int64_t>(static_cast<int32_t>(slot_->constant));
            if (insn.cond == Cond::Set) a_.test(dst, imm);
            else a_.cmp(dst, imm);
        }
    }
    jump(jcc_for(insn.cond), target);
}

} // namespace ebpfjit::jit::x86_64
