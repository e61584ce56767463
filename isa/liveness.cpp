// Where the two former copies (verifier/liveness.cpp, jit/liveness.cpp) disagreed:
// - Xchg: the jit defined src for every xchg, the verifier only when the `fetch` flag was
//   set. BPF_XCHG always returns the old value in src (the decoder sets fetch for it, but
//   an Instruction built in code may not), so the jit was right: an xchg defines src.
// - LD_ABS / LD_IND: the verifier counted r6 as read, the jit did not. The kernel's
//   LD_ABS reads the skb from r6 (the verifier requires r6 = ctx there), so a state
//   comparison that ignored r6 could prune a path whose r6 is not the ctx: the verifier
//   was right. For the jit, a spurious r6 read only keeps r6 live.
// - Helper calls: the verifier read only the prototype's arguments, the jit r1..r5; both
//   are kept (HelperReads), each caller chooses.
#include "isa/liveness.hpp"

#include <type_traits>

namespace ebpfjit::isa {

namespace {

constexpr uint16_t bit(uint8_t r) { return uint16_t(1u << r); }
constexpr uint16_t kArgRegs = 0x3e;     // r1..r5
constexpr uint16_t kCallerSaved = 0x3f; // r0..r5

uint16_t operand_use(const Operand& o) {
    const auto* r = std::get_if<Reg>(&o);
    return r ? bit(r->n) : 0;
}

} // namespace

UseDef use_def(const Instruction& insn, const HelperReads& helper_reads) {
    return std::visit(
        [&](const auto& i) -> UseDef {
            using T = std::decay_t<decltype(i)>;
            if constexpr (std::is_same_v<T, Alu>) {
                const bool is_mov =
                    i.op == AluOp::Mov || i.op == AluOp::MovSx8 || i.op == AluOp::MovSx16 || i.op == AluOp::MovSx32;
                uint16_t use = i.op == AluOp::Neg ? 0 : operand_use(i.src);
                if (!is_mov) use |= bit(i.dst.n);
                return {use, bit(i.dst.n)};
            } else if constexpr (std::is_same_v<T, Endian>) {
                return {bit(i.dst.n), bit(i.dst.n)};
            } else if constexpr (std::is_same_v<T, Load>) {
                return {bit(i.base.n), bit(i.dst.n)};
            } else if constexpr (std::is_same_v<T, Store>) {
                return {uint16_t(bit(i.base.n) | operand_use(i.src)), 0};
            } else if constexpr (std::is_same_v<T, LoadImm64>) {
                return {0, bit(i.dst.n)};
            } else if constexpr (std::is_same_v<T, Atomic>) {
                const uint16_t use = uint16_t(bit(i.base.n) | bit(i.src.n));
                if (i.op == AtomicOp::CmpXchg) return {uint16_t(use | bit(0)), bit(0)};
                return {use, i.fetch || i.op == AtomicOp::Xchg ? bit(i.src.n) : uint16_t(0)};
            } else if constexpr (std::is_same_v<T, Jump>) {
                if (i.cond == Cond::Always) return {};
                return {uint16_t(bit(i.dst.n) | operand_use(i.src)), 0};
            } else if constexpr (std::is_same_v<T, Call>) {
                uint16_t use = kArgRegs;
                if (i.kind == CallKind::Helper && helper_reads) use = helper_reads(i.imm);
                return {use, kCallerSaved};
            } else if constexpr (std::is_same_v<T, CallX>) {
                return {uint16_t(kArgRegs | bit(i.reg.n)), kCallerSaved};
            } else if constexpr (std::is_same_v<T, Exit>) {
                return {bit(0), 0};
            } else if constexpr (std::is_same_v<T, PacketLoad>) {
                uint16_t use = bit(6);
                if (i.indirect) use |= bit(i.src.n);
                return {use, kCallerSaved};
            } else {
                return {};
            }
        },
        insn);
}

RegisterLiveness::RegisterLiveness(const Program& program, const HelperReads& helper_reads) : program_(program) {
    use_def_.reserve(program.size());
    for (const Instruction& insn : program.insns) use_def_.push_back(use_def(insn, helper_reads));
    solve();
}

RegisterLiveness::RegisterLiveness(const Program& program, std::vector<UseDef> use_def)
    : program_(program), use_def_(std::move(use_def)) {
    use_def_.resize(program.size());
    solve();
}

void RegisterLiveness::solve() {
    const Program& program = program_;
    const size_t n = program.size();

    // Predecessors in one flat array (CSR): preds of s are pred[first[s] .. first[s + 1]).
    // Compile time is dominated by passes like this one; no per-slot allocations.
    std::vector<uint32_t> first(n + 1, 0);
    for (size_t pc = 0; pc < n; ++pc) for_each_successor(program, pc, [&](size_t s) { ++first[s + 1]; });
    for (size_t i = 0; i < n; ++i) first[i + 1] += first[i];
    std::vector<uint32_t> pred(first[n]);
    {
        std::vector<uint32_t> fill(first.begin(), first.end() - 1);
        for (size_t pc = 0; pc < n; ++pc)
            for_each_successor(program, pc, [&](size_t s) { pred[fill[s]++] = uint32_t(pc); });
    }

    // Backward to a fixed point. The worklist is a ring of n entries, a slot queued at
    // most once at a time, seeded in reverse order (which converges in a few rounds).
    live_in_.assign(n, 0);
    if (n == 0) return;
    std::vector<uint32_t> ring(n);
    size_t head = 0, count = n;
    std::vector<uint8_t> queued(n, 1);
    for (size_t i = 0; i < n; ++i) ring[i] = uint32_t(n - 1 - i);
    while (count != 0) {
        const uint32_t pc = ring[head];
        head = head + 1 == n ? 0 : head + 1;
        --count;
        queued[pc] = 0;
        const uint16_t in = uint16_t(use_def_[pc].use | (live_out(pc) & ~use_def_[pc].def));
        if (in == live_in_[pc]) continue;
        live_in_[pc] = in;
        for (uint32_t k = first[pc]; k < first[pc + 1]; ++k) {
            const uint32_t p = pred[k];
            if (queued[p]) continue;
            queued[p] = 1;
            ring[(head + count) % n] = p;
            ++count;
        }
    }
}

uint16_t RegisterLiveness::live_out(size_t pc) const {
    uint16_t out = 0;
    for_each_successor(program_, pc, [&](size_t s) { out |= live_in_[s]; });
    return out;
}

} // namespace ebpfjit::isa
