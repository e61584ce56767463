// Register facts of the lowering: which registers a program touches, which ones each
// subprogram writes (so a prologue may later save only those), and which are live
// across calls (the values a register mapping must keep in callee-saved registers).

#include "jit/lowering_passes.hpp"

namespace ebpfjit::jit::detail {

namespace {

using namespace isa;

constexpr uint16_t bit(uint8_t r) { return static_cast<uint16_t>(1u << r); }
constexpr uint16_t kArgs = 0b111110;       // r1..r5
constexpr uint16_t kCallClobbers = 0b111111; // r0..r5

uint16_t operand_use(const Operand& op) {
    if (const auto* r = std::get_if<Reg>(&op)) return bit(r->n);
    return 0;
}

struct UseDefVisitor {
    UseDef operator()(const Alu& a) const {
        const bool reads_dst = a.op != AluOp::Mov && a.op != AluOp::MovSx8 &&
                               a.op != AluOp::MovSx16 && a.op != AluOp::MovSx32;
        return {static_cast<uint16_t>((reads_dst ? bit(a.dst.n) : 0) |
                                      (a.op == AluOp::Neg ? 0 : operand_use(a.src))),
                bit(a.dst.n)};
    }
    UseDef operator()(const Endian& e) const { return {bit(e.dst.n), bit(e.dst.n)}; }
    UseDef operator()(const Load& l) const { return {bit(l.base.n), bit(l.dst.n)}; }
    UseDef operator()(const Store& s) const {
        return {static_cast<uint16_t>(bit(s.base.n) | operand_use(s.src)), 0};
    }
    UseDef operator()(const LoadImm64& l) const { return {0, bit(l.dst.n)}; }
    UseDef operator()(const Atomic& a) const {
        uint16_t use = bit(a.base.n) | bit(a.src.n);
        uint16_t def = 0;
        if (a.op == AtomicOp::CmpXchg) {
            use |= bit(0);
            def |= bit(0);
        } else if (a.fetch || a.op == AtomicOp::Xchg) {
            def |= bit(a.src.n);
        }
        return {use, def};
    }
    UseDef operator()(const Jump& j) const {
        if (j.cond == Cond::Always) return {};
        return {static_cast<uint16_t>(bit(j.dst.n) | operand_use(j.src)), 0};
    }
    UseDef operator()(const Call&) const { return {kArgs, kCallClobbers}; }
    UseDef operator()(const CallX& c) const {
        return {static_cast<uint16_t>(kArgs | bit(c.reg.n)), kCallClobbers};
    }
    UseDef operator()(const Exit&) const { return {bit(0), 0}; }
    // LD_ABS/LD_IND read the packet behind the context (r6 in the kernel's convention;
    // here the run's packet) and clobber r1-r5 like a call.
    UseDef operator()(const PacketLoad& p) const {
        return {static_cast<uint16_t>(p.indirect ? bit(p.src.n) : 0), kCallClobbers};
    }
    UseDef operator()(const LddwSecondSlot&) const { return {}; }
};

bool is_call(const Instruction& insn) {
    return std::holds_alternative<Call>(insn) || std::holds_alternative<CallX>(insn);
}

} // namespace

UseDef use_def(const isa::Instruction& insn) { return std::visit(UseDefVisitor{}, insn); }

void analyse_registers(const isa::Program& program, Lowered& out) {
    const size_t n = program.size();
    std::vector<UseDef> ud(n);
    for (size_t pc = 0; pc < n; ++pc) {
        if (!out.slots[pc].emit) continue;
        ud[pc] = use_def(out.slots[pc].insn);
        out.regs_used |= ud[pc].use | ud[pc].def;
        out.subprograms[out.slots[pc].subprogram].regs_written |= ud[pc].def;
        if (is_call(out.slots[pc].insn)) out.subprograms[out.slots[pc].subprogram].calls = true;
    }

    // Successors (within a subprogram: a local call returns to the next slot).
    auto successors = [&](size_t pc, auto&& f) {
        const Instruction& insn = program.insns[pc];
        if (std::holds_alternative<Exit>(insn)) return;
        if (const auto* j = std::get_if<Jump>(&insn)) {
            f(static_cast<size_t>(j->target));
            if (j->cond == Cond::Always) return;
        }
        const size_t next = pc + (std::holds_alternative<LoadImm64>(insn) ? 2 : 1);
        if (next < n) f(next);
    };
    // Predecessors in one flat array (CSR): preds of s are pred[first[s] .. first[s + 1]).
    // Compile time is dominated by passes like this one; no per-slot allocations.
    std::vector<uint32_t> first(n + 1, 0);
    for (size_t pc = 0; pc < n; ++pc) successors(pc, [&](size_t s) { ++first[s + 1]; });
    for (size_t i = 0; i < n; ++i) first[i + 1] += first[i];
    std::vector<uint32_t> pred(first[n]);
    {
        std::vector<uint32_t> fill(first.begin(), first.end() - 1);
        for (size_t pc = 0; pc < n; ++pc)
            successors(pc, [&](size_t s) { pred[fill[s]++] = static_cast<uint32_t>(pc); });
    }

    // Backward liveness to a fixed point; live_out of a call & ~clobbers = live across it.
    // The worklist is a ring of n entries: a slot is queued at most once at a time.
    std::vector<uint16_t> live_in(n, 0);
    std::vector<uint32_t> ring(n);
    size_t head = 0, count = n;
    std::vector<uint8_t> queued(n, 1);
    for (size_t i = 0; i < n; ++i) ring[i] = static_cast<uint32_t>(n - 1 - i);
    auto live_out = [&](size_t pc) {
        uint16_t out_mask = 0;
        successors(pc, [&](size_t s) { out_mask |= live_in[s]; });
        return out_mask;
    };
    while (count != 0) {
        const uint32_t pc = ring[head];
        head = head + 1 == n ? 0 : head + 1;
        --count;
        queued[pc] = 0;
        const uint16_t in = static_cast<uint16_t>(ud[pc].use | (live_out(pc) & ~ud[pc].def));
        if (in == live_in[pc]) continue;
        live_in[pc] = in;
        for (uint32_t k = first[pc]; k < first[pc + 1]; ++k) {
            const uint32_t p = pred[k];
            if (queued[p]) continue;
            queued[p] = 1;
            ring[(head + count) % n] = p;
            ++count;
        }
    }
    out.zero_at_entry = n > 0 ? live_in[0] : 0; // the lowering keeps only what it must zero
    for (size_t pc = 0; pc < n; ++pc)
        if (out.slots[pc].emit && is_call(program.insns[pc]))
            out.live_across_calls |= static_cast<uint16_t>(live_out(pc) & ~kCallClobbers);
}

} // namespace ebpfjit::jit::detail
