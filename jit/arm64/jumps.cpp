// Conditional and unconditional jumps. Every branch is recorded with its reach, checked
// once the code is placed (compiler.cpp).
#include <asmjit/arm/a64utils.h>

#include "jit/arm64/emitter.hpp"

namespace ebpfjit::jit::arm64 {

using asmjit::arm::CondCode;
using isa::Cond;

namespace {

CondCode cond_code(Cond cond) {
    switch (cond) {
    case Cond::Always: return CondCode::kAL;
    case Cond::Eq: return CondCode::kEQ;
    case Cond::Ne: return CondCode::kNE;
    case Cond::Set: return CondCode::kNE; // after tst
    case Cond::Gt: return CondCode::kHI;
    case Cond::Ge: return CondCode::kHS;
    case Cond::Lt: return CondCode::kLO;
    case Cond::Le: return CondCode::kLS;
    case Cond::SGt: return CondCode::kGT;
    case Cond::SGe: return CondCode::kGE;
    case Cond::SLt: return CondCode::kLT;
    case Cond::SLe: return CondCode::kLE;
    }
    return CondCode::kAL;
}

const char* mnemonic(CondCode cc) {
    switch (cc) {
    case CondCode::kEQ: return "b.eq";
    case CondCode::kNE: return "b.ne";
    case CondCode::kHI: return "b.hi";
    case CondCode::kHS: return "b.hs";
    case CondCode::kLO: return "b.lo";
    case CondCode::kLS: return "b.ls";
    case CondCode::kGT: return "b.gt";
    case CondCode::kGE: return "b.ge";
    case CondCode::kLT: return "b.lt";
    case CondCode::kLE: return "b.le";
    default: return "b";
    }
}

} // namespace

void Emitter::record(const asmjit::Label& target, Reach reach, const char* what) {
    branches_.push_back(BranchRecord{pc_, static_cast<uint32_t>(a_.offset()), target.id(), reach, what});
}

void Emitter::branch(CondCode cc, const asmjit::Label& target) {
    if (cc == CondCode::kAL) {
        record(target, Reach::Imm26, "b");
        a_.b(target);
        return;
    }
    record(target, Reach::Imm19, mnemonic(cc));
    a_.b(cc, target);
}

void Emitter::cbz(bool nonzero, const a64::Gp& reg, const asmjit::Label& target) {
    record(target, Reach::Imm19, nonzero ? "cbnz" : "cbz");
    if (nonzero) a_.cbnz(reg, target);
    else a_.cbz(reg, target);
}

// JMP compares 64 bits (imm sign-extended), JMP32 the low 32 bits (W registers).
void Emitter::emit_jump(const isa::Jump& insn) {
    const asmjit::Label& target = labels_[static_cast<size_t>(insn.target)];
    if (insn.cond != Cond::Always) {
        const bool w = !insn.is32;
        const a64::Gp dst = gp(insn.dst.n, w);
        if (const auto* r = std::get_if<isa::Reg>(&insn.src)) {
            if (insn.cond == Cond::Set) a_.tst(dst, gp(r->n, w));
            else a_.cmp(dst, gp(r->n, w));
        } else {
            const uint64_t pattern = w ? slot_->constant : (slot_->constant & UINT32_MAX);
            const int64_t value = w ? static_cast<int64_t>(slot_->constant)
                                    : static_cast<int64_t>(static_cast<int32_t>(slot_->constant));
            const bool fits = insn.cond == Cond::Set
                                  ? a64::Utils::isLogicalImm(pattern, w ? 64 : 32)
                                  : try_cmp_imm(dst, value);
            if (insn.cond == Cond::Set && fits) {
                a_.tst(dst, pattern);
            } else if (!fits) {
                load_constant(kImm, slot_->constant, slot_->constant_width);
                if (insn.cond == Cond::Set) a_.tst(dst, sized(kImm, w));
                else a_.cmp(dst, sized(kImm, w));
            }
        }
    }
    branch(cond_code(insn.cond), target);
}

} // namespace ebpfjit::jit::arm64
