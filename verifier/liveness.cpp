#include "verifier/liveness.hpp"

#include <type_traits>

namespace ebpfjit::verifier {

namespace {

constexpr uint16_t bit(uint8_t r) { return uint16_t(1u << r); }
constexpr uint16_t kArgRegs = 0x3e;     // r1..r5
constexpr uint16_t kCallerSaved = 0x3f; // r0..r5
constexpr uint16_t kFramePointer = uint16_t(1u << isa::kFramePointer);

struct UseDef {
    uint16_t use = 0;
    uint16_t def = 0;
};

uint16_t operand_use(const isa::Operand& o) {
    const auto* r = std::get_if<isa::Reg>(&o);
    return r ? bit(r->n) : 0;
}

UseDef use_def(const isa::Instruction& insn, const helpers::HelperTable* helpers) {
    return std::visit(
        [&](const auto& i) -> UseDef {
            using T = std::decay_t<decltype(i)>;
            if constexpr (std::is_same_v<T, isa::Alu>) {
                const bool is_mov = i.op == isa::AluOp::Mov || i.op == isa::AluOp::MovSx8 ||
                                    i.op == isa::AluOp::MovSx16 || i.op == isa::AluOp::MovSx32;
                uint16_t use = operand_use(i.src);
                if (!is_mov) use |= bit(i.dst.n);
                if (i.op == isa::AluOp::Neg) use = bit(i.dst.n);
                return {use, bit(i.dst.n)};
            } else if constexpr (std::is_same_v<T, isa::Endian>) {
                return {bit(i.dst.n), bit(i.dst.n)};
            } else if constexpr (std::is_same_v<T, isa::Load>) {
                return {bit(i.base.n), bit(i.dst.n)};
            } else if constexpr (std::is_same_v<T, isa::Store>) {
                return {uint16_t(bit(i.base.n) | operand_use(i.src)), 0};
            } else if constexpr (std::is_same_v<T, isa::LoadImm64>) {
                return {0, bit(i.dst.n)};
            } else if constexpr (std::is_same_v<T, isa::Atomic>) {
                uint16_t use = uint16_t(bit(i.base.n) | bit(i.src.n));
                if (i.op == isa::AtomicOp::CmpXchg) return {uint16_t(use | bit(0)), bit(0)};
                return {use, i.fetch ? bit(i.src.n) : uint16_t(0)};
            } else if constexpr (std::is_same_v<T, isa::Jump>) {
                if (i.cond == isa::Cond::Always) return {};
                return {uint16_t(bit(i.dst.n) | operand_use(i.src)), 0};
            } else if constexpr (std::is_same_v<T, isa::Call>) {
                uint16_t use = kArgRegs;
                if (i.kind == isa::CallKind::Helper && helpers) {
                    if (const helpers::Helper* h = helpers->find(i.imm)) {
                        use = 0;
                        for (size_t a = 0; a < h->proto.args.size(); ++a)
                            if (h->proto.args[a] != helpers::ArgType::None) use |= bit(uint8_t(a + 1));
                    }
                }
                return {use, kCallerSaved};
            } else if constexpr (std::is_same_v<T, isa::CallX>) {
                return {uint16_t(kArgRegs | bit(i.reg.n)), kCallerSaved};
            } else if constexpr (std::is_same_v<T, isa::Exit>) {
                return {bit(0), 0};
            } else if constexpr (std::is_same_v<T, isa::PacketLoad>) {
                uint16_t use = bit(6);
                if (i.indirect) use |= bit(i.src.n);
                return {use, kCallerSaved};
            } else {
                return {};
            }
        },
        insn);
}

} // namespace

Liveness::Liveness(const isa::Program& program, const helpers::HelperTable* helpers) {
    const size_t n = program.size();
    std::vector<UseDef> ud(n);
    for (size_t pc = 0; pc < n; ++pc) ud[pc] = use_def(program.insns[pc], helpers);
    live_in_.assign(n, 0);
    // Backward dataflow to a fixpoint; reverse order converges in a few rounds.
    bool changed = true;
    while (changed) {
        changed = false;
        for (size_t k = n; k-- > 0;) {
            const isa::Instruction& insn = program.insns[k];
            if (std::holds_alternative<isa::LddwSecondSlot>(insn)) continue;
            uint16_t out = 0;
            auto flow = [&](int64_t succ) {
                if (succ >= 0 && size_t(succ) < n) out |= live_in_[size_t(succ)];
            };
            if (const auto* j = std::get_if<isa::Jump>(&insn)) {
                flow(j->target);
                if (j->cond != isa::Cond::Always) flow(int64_t(k) + 1);
            } else if (std::holds_alternative<isa::Exit>(insn)) {
                // the return value is read by the caller (or the runtime): covered by use
            } else if (std::holds_alternative<isa::LoadImm64>(insn)) {
                flow(int64_t(k) + 2);
            } else {
                flow(int64_t(k) + 1);
            }
            uint16_t in = uint16_t(ud[k].use | (out & ~ud[k].def) | kFramePointer);
            if (in != live_in_[k]) {
                live_in_[k] = in;
                changed = true;
            }
        }
    }
}

} // namespace ebpfjit::verifier
