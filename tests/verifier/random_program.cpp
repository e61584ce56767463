// Random well-formed IR for robustness and soundness tests.
#include "corpus.hpp"

namespace ebpfjit::verifier::test {

namespace {

isa::Instruction random_insn(std::mt19937_64& rng, int32_t pc, int32_t n) {
    auto reg = [&] { return isa::Reg{uint8_t(rng() % 11)}; };
    auto dst = [&] { return isa::Reg{uint8_t(rng() % 10)}; };
    auto imm = [&]() -> int32_t {
        switch (rng() % 4) {
        case 0: return int32_t(rng() % 16);
        case 1: return -int32_t(rng() % 600);
        case 2: return int32_t(rng());
        default: return int32_t(rng() % 100);
        }
    };
    auto operand = [&]() -> isa::Operand {
        if (rng() & 1) return reg();
        return isa::Imm{imm()};
    };
    auto size = [&] { return isa::Size(1u << (rng() % 4)); };
    auto off = [&] { return int16_t(int32_t(rng() % 80) - 64); };
    int32_t target = pc + 1 + int32_t(rng() % uint64_t(std::max(1, n - pc - 1)));
    if (rng() % 8 == 0) target = int32_t(rng() % uint64_t(n)); // back-edges too
    switch (rng() % 10) {
    case 0:
    case 1: return isa::Alu{isa::AluOp(rng() % 18), bool(rng() & 1), dst(), operand()};
    case 2: return isa::Load{size(), bool(rng() % 4 == 0), dst(), reg(), off()};
    case 3: return isa::Store{size(), reg(), off(), operand()};
    case 4: return isa::Jump{isa::Cond(1 + rng() % 11), bool(rng() & 1), reg(), operand(), target};
    case 5: return isa::Jump{isa::Cond::Always, false, {0}, isa::Imm{0}, target};
    case 6: {
        static const int32_t ids[] = {1, 2, 3, 5, 6, 7, 12, 25, 26, 44, 51, 130, 131, 132, 133};
        return isa::Call{isa::CallKind::Helper, ids[rng() % std::size(ids)], -1};
    }
    case 7: return isa::Atomic{isa::AtomicOp(rng() % 6), bool(rng() & 1), bool(rng() & 1), reg(), off(), dst()};
    case 8: return isa::Endian{isa::EndianOp(rng() % 3), uint8_t(16u << (rng() % 3)), dst()};
    default: return isa::Alu{isa::AluOp::Mov, true, dst(), operand()};
    }
}

} // namespace


isa::Program random_program(std::mt19937_64& rng, int32_t max_len) {
    const int32_t n = 2 + int32_t(rng() % uint64_t(max_len - 1));
    isa::Program p;
    for (int32_t pc = 0; pc + 1 < n; ++pc) {
        if (rng() % 12 == 0 && pc + 2 < n) { // an LDDW
            auto kind = rng() & 1 ? isa::LddwKind::Imm64 : isa::LddwKind::MapFd;
            p.insns.push_back(isa::LoadImm64{{uint8_t(rng() % 10)}, kind, int32_t(rng() % 9), int32_t(rng() % 4)});
            p.insns.push_back(isa::LddwSecondSlot{});
            ++pc;
            continue;
        }
        p.insns.push_back(random_insn(rng, pc, n));
    }
    p.insns.push_back(isa::Exit{});
    // Jumps into a second slot are the decoder's to reject; retarget them.
    for (size_t pc = 0; pc < p.insns.size(); ++pc)
        if (auto* j = std::get_if<isa::Jump>(&p.insns[pc]);
            j && std::holds_alternative<isa::LddwSecondSlot>(p.insns[size_t(j->target)]))
            j->target -= 1;
    p.subprogram_starts = {0};
    return p;
}

} // namespace ebpfjit::verifier::test
