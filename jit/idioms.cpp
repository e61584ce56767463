// recognise_block_idioms: byte-copy and byte-fill loops -> BlockOp (idioms.hpp says what a
// BlockOp means). Runs last in jit::lower, on the lowered slots (after the branch-over-
// jump inversion, with budget charges in place), and only rewrites what it can prove from
// the instructions' shape; each access's safety is Facts::access_in_bounds. Anything it
// does not understand leaves the loop alone: a backend then emits the loop as before.
//
// The loop body is evaluated once symbolically: every register value is an affine
// form over the values registers had at the loop head (at most two registers, each with
// coefficient 1, plus a constant), or "the byte this iteration loaded". After one pass,
// a register whose value is its own head value + 1 is an induction (rises by 1 per
// iteration), one equal to its head value is unchanged, any other written register is a
// temporary. Values used by the loop may read inductions and unchanged registers, never a
// temporary's head value (that would be the previous iteration's value); so each use's
// value in iteration k is its first-iteration value + k * (number of inductions it reads),
// its stride.
#include <algorithm>
#include <array>
#include <optional>
#include <span>

#include "jit/idioms_sym.hpp"
#include "jit/lowering_passes.hpp"

namespace ebpfjit::jit::detail {

namespace {

using namespace isa;

using idiom::kRegs;
using idiom::Sym;
using idiom::add;
using idiom::fits_int32;
using idiom::for_each_back_edge;
using idiom::Role;
using idiom::Roles;
using idiom::classify;
using idiom::compared_operands;
using idiom::counted_loop_test;
using idiom::counter_below_bound;
using idiom::stride;
using idiom::to_expr;


class Matcher {
public:
    // `ranged`: checked accesses whose whole range a run-time check covers before the
    // op runs (a loop version's, hoist_checks.hpp): they qualify as proven ones do.
    Matcher(const verifier::Facts& facts, const Lowered& out, std::span<const uint32_t> ranged = {})
        : facts_(facts), out_(out), ranged_(ranged) {}

    std::optional<BlockOp> match(uint32_t head, uint32_t back_edge) {
        const auto test = counted_loop_test(out_, head, back_edge);
        if (!test) return std::nullopt;
        const uint32_t compare = test->compare;
        const Cond cont = test->cont;
        if (!evaluate_body(head, compare)) return std::nullopt;
        role_ = classify(state_, written_);

        BlockOp op;
        op.head = head;
        op.back_edge = back_edge;
        op.charged_every_trip = compare == back_edge;
        op.exit = back_edge + 1;
        // The compared operands, as they are at the jump.
        const auto operands = compared_operands(out_, compare, state_);
        if (!operands) return std::nullopt;
        const auto& [lhs, rhs] = *operands;
        if (!counter_below_bound(cont, lhs, rhs, role_, op.counter, op.bound)) return std::nullopt;

        if (stores_ != 1 || stride(store_addr_, role_) != 1 || !to_expr(store_addr_, op.dst)) return std::nullopt;
        if (loads_ == 1) {
            op.kind = BlockOpKind::Copy;
            if (store_value_.kind != Sym::Kind::Loaded || stride(load_addr_, role_) != 1 || !to_expr(load_addr_, op.src))
                return std::nullopt;
        } else if (loads_ == 0) {
            op.kind = BlockOpKind::Fill;
            if (stride(store_value_, role_) != 0 || !to_expr(store_value_, op.value)) return std::nullopt;
        } else {
            return std::nullopt;
        }
        for (uint8_t r = 0; r < kRegs; ++r) {
            if (role_[r] == Role::Unchanged) continue;
            IdiomFinal final{r, {}};
            if (role_[r] == Role::Induction) {
                final.value = IdiomExpr{static_cast<int8_t>(r), -1, true, 1}; // head value + T
            } else if (state_[r].kind == Sym::Kind::Loaded) {
                final.value.last_byte = true;
            } else {
                const int s = stride(state_[r], role_); // the last iteration is k = D
                if (s < 0 || s > 1 || !to_expr(state_[r], final.value)) return std::nullopt;
                final.value.d = s == 1;
            }
            op.finals.push_back(final);
        }
        return op;
    }

private:

    bool evaluate_body(uint32_t head, uint32_t compare) {
        for (uint8_t r = 0; r < kRegs; ++r) state_[r] = Sym::reg(r);
        for (uint32_t pc = head; pc < compare; ++pc) {
            const LoweredSlot& slot = out_.slots[pc];
            if (!slot.emit) continue; // rewritten to nothing: no effect
            if ((slot.checked_access && !is_ranged(pc)) || slot.budget_charge != 0 || slot.call != CallRole::None)
                return false;
            if (!std::visit([&](const auto& insn) { return step(pc, insn); }, slot.insn)) return false;
        }
        return true;
    }

    bool is_ranged(uint32_t pc) const { return std::binary_search(ranged_.begin(), ranged_.end(), pc); }
    bool safe(uint32_t pc) const { return facts_.in_bounds(pc) || is_ranged(pc); }

    bool step(uint32_t, const Alu& a) {
        if (!a.is64 || a.dst.n >= kRegs) return false;
        Sym src;
        if (const auto* r = std::get_if<Reg>(&a.src)) {
            if (r->n >= kRegs) return false;
            src = state_[r->n];
        } else {
            src = Sym::constant_of(std::get<Imm>(a.src).v);
        }
        Sym& d = state_[a.dst.n];
        written_[a.dst.n] = true;
        switch (a.op) {
        case AluOp::Mov: d = src; break;
        case AluOp::Add: d = add(d, src); break;
        case AluOp::Sub:
            if (!std::holds_alternative<Imm>(a.src)) return false;
            d = add(d, Sym::constant_of(-src.constant));
            break;
        default: return false;
        }
        return d.affine() && fits_int32(d.constant);
    }

    bool step(uint32_t pc, const Load& l) {
        if (l.size != Size::B || l.sign_extend || l.dst.n >= kRegs || l.base.n >= kRegs || !safe(pc))
            return false;
        ++loads_;
        load_addr_ = add(state_[l.base.n], Sym::constant_of(l.off));
        state_[l.dst.n] = Sym::loaded(0);
        written_[l.dst.n] = true;
        return load_addr_.affine() && stores_ == 0;
    }

    bool step(uint32_t pc, const Store& s) {
        if (s.size != Size::B || s.base.n >= kRegs || !safe(pc)) return false;
        ++stores_;
        store_addr_ = add(state_[s.base.n], Sym::constant_of(s.off));
        if (const auto* r = std::get_if<Reg>(&s.src)) {
            if (r->n >= kRegs) return false;
            store_value_ = state_[r->n];
        } else {
            store_value_ = Sym::constant_of(std::get<Imm>(s.src).v);
        }
        return store_addr_.affine();
    }

    template <class Other>
    bool step(uint32_t, const Other&) {
        return false; // jumps, calls, atomics, LDDW, endian...: not part of the idiom
    }

    const verifier::Facts& facts_;
    const Lowered& out_;
    std::span<const uint32_t> ranged_; // ascending
    std::array<Sym, kRegs> state_{};
    std::array<bool, kRegs> written_{};
    Roles role_{};
    int loads_ = 0;
    int stores_ = 0;
    Sym load_addr_, store_addr_, store_value_;
};

} // namespace

std::optional<BlockOp> match_ranged_block_idiom(const Lowered& out, uint32_t head, uint32_t back_edge,
                                                std::span<const uint32_t> ranged) {
    const verifier::Facts none; // nothing proven: only the ranged accesses qualify
    return Matcher(none, out, ranged).match(head, back_edge);
}

void recognise_block_idioms(const verifier::Facts& facts, Lowered& out) {
    if (facts.access_in_bounds.empty()) return; // nothing proven: no access qualifies
    for_each_back_edge(out, [&](uint32_t head, uint32_t b) {
        if (out.slots[head].block_op >= 0) return; // a second back edge to one head
        auto op = Matcher(facts, out).match(head, b);
        if (!op) return;
        out.slots[op->exit].label = true;
        out.slots[head].block_op = static_cast<int32_t>(out.block_ops.size());
        out.block_ops.push_back(std::move(*op));
    });
}

} // namespace ebpfjit::jit::detail
