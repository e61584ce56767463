// recognise_compare_idioms: byte-compare and byte-scan loops -> BlockOp of kind Compare
// (idioms.hpp says what it means and which obligations the match proves). Runs after
// recognise_block_idioms, on the final slots with budget charges in place. Safety is the
// verifier's: both loads must be Facts::access_in_bounds; this pass matches shape only.
//
// The cycle is found by a bounded walk from the head that follows P's branches (either
// side may be P's); the body along P is then evaluated once symbolically (idioms_sym.hpp)
// and every conditional branch on P classified: the counter's test (affine, stride 1
// against stride 0, as the copy idiom's), the two loaded bytes compared for equality, or
// one loaded byte compared with a constant. Anything else leaves the loop alone.
#include <optional>
#include <vector>

#include "jit/idioms_sym.hpp"
#include "jit/lowering_passes.hpp"

namespace ebpfjit::jit::detail {

namespace {

using namespace isa;
using idiom::add;
using idiom::fits_int32;
using idiom::Role;
using idiom::Roles;
using idiom::classify;
using idiom::counter_below_bound;
using idiom::stride;
using idiom::to_expr;
using idiom::kRegs;
using idiom::previous_emitted;
using idiom::Sym;

constexpr size_t kMaxPath = 48;     // slots on P
constexpr size_t kMaxVisits = 4096; // walk steps per head: bounded cost on any program


struct Step {
    uint32_t pc;
    bool taken; // a conditional jump on P: P goes to its target
};

struct Branch {
    Sym lhs, rhs;
    Cond cont; // the condition under which P is followed
    bool is32;
};

Cond negate(Cond c) {
    switch (c) {
    case Cond::Eq: return Cond::Ne;
    case Cond::Ne: return Cond::Eq;
    case Cond::Lt: return Cond::Ge;
    case Cond::Ge: return Cond::Lt;
    case Cond::Gt: return Cond::Le;
    case Cond::Le: return Cond::Gt;
    default: return Cond::Always; // signed or jset: not a form we handle
    }
}

class CompareMatcher {
public:
    CompareMatcher(const verifier::Facts& facts, const Lowered& out, const Subprogram& sub)
        : facts_(facts), out_(out), start_(static_cast<uint32_t>(sub.start)), end_(static_cast<uint32_t>(sub.end)),
          on_path_(end_ - start_, false) {}

    // The op for the loop whose head is `head`, entered from `outside` (a slot that must not
    // be on P: the op placed there runs once, not every trip).
    std::optional<BlockOp> match(uint32_t head, uint32_t outside) {
        head_ = head;
        if (!walk(head) || on_path_[outside - start_]) return std::nullopt;
        if (!evaluate()) return std::nullopt;
        role_ = classify(state_, written_);

        BlockOp op;
        op.kind = BlockOpKind::Compare;
        op.head = head;
        op.back_edge = head; // unused by Compare (charge_per_trip covers every charge on P)
        op.exit = head;
        if (charge_ > (1u << 20)) return std::nullopt; // k * charge stays far below 2^63
        op.charge_per_trip = charge_;
        for (uint8_t r = 0; r < kRegs; ++r) {
            if (role_[r] == Role::Induction) op.inductions.push_back(r);
            // A temporary's head value (the previous trip's) must never be seen: P writes
            // it before reading it and before any branch could leave P.
            if (role_[r] == Role::Temporary && (head_read_[r] || !written_before_branch_[r])) return std::nullopt;
        }
        if (loads_ == 0 || loads_ > 2) return std::nullopt;
        for (int i = 0; i < loads_; ++i)
            if (stride(load_addr_[i], role_) != 1) return std::nullopt;
        if (!to_expr(load_addr_[0], op.src)) return std::nullopt;
        if (loads_ == 2 && !to_expr(load_addr_[1], op.second)) return std::nullopt;

        bool counter_seen = false;
        int stop_load = -1;
        for (const Branch& b : branches_) {
            const bool lhs_loaded = b.lhs.kind == Sym::Kind::Loaded;
            const bool rhs_loaded = b.rhs.kind == Sym::Kind::Loaded;
            if (lhs_loaded && rhs_loaded) { // the two bytes: P only while they are equal
                if (b.cont != Cond::Eq || b.lhs.load == b.rhs.load || op.differ) return std::nullopt;
                op.differ = true;
            } else if (lhs_loaded || rhs_loaded) { // a byte and a constant: P while they differ
                const Sym& c = lhs_loaded ? b.rhs : b.lhs;
                const int64_t v = b.is32 ? static_cast<int64_t>(static_cast<uint32_t>(c.constant)) : c.constant;
                if (!c.is_constant() || b.cont != Cond::Ne || v < 0 || v > 0xff || stop_load >= 0) return std::nullopt;
                op.stop_byte = static_cast<int16_t>(v);
                stop_load = (lhs_loaded ? b.lhs : b.rhs).load;
            } else { // the counter's test
                if (counter_seen || b.is32 || !counter_test(b, op)) return std::nullopt;
                counter_seen = true;
            }
        }
        if (!counter_seen) return std::nullopt; // only the counter bounds what the op may read
        if (loads_ == 2) {
            // While the bytes are equal, the second equals the stop byte exactly when the
            // first does: a stop test on either load is one on the first.
            if (!op.differ) return std::nullopt;
        } else if (op.differ || stop_load != 0) {
            return std::nullopt;
        }
        op.attach = outside;
        return op;
    }

private:
    // Depth-first from pc along emitted slots; a conditional jump tries its target first.
    bool walk(uint32_t pc) {
        while (pc < end_ && !out_.slots[pc].emit) ++pc; // rewritten to nothing: falls through
        if (pc == head_ && !path_.empty()) return true;
        if (pc < start_ || pc >= end_ || on_path_[pc - start_] || path_.size() >= kMaxPath || ++visits_ > kMaxVisits)
            return false;
        const LoweredSlot& slot = out_.slots[pc];
        if (std::holds_alternative<Exit>(slot.insn) || slot.call != CallRole::None) return false;
        on_path_[pc - start_] = true;
        path_.push_back({pc, false});
        bool found = false;
        if (const auto* j = std::get_if<Jump>(&slot.insn)) {
            const auto target = static_cast<uint32_t>(j->target);
            if (j->cond == Cond::Always) {
                found = walk(target);
            } else {
                path_.back().taken = true;
                found = walk(target);
                if (!found) {
                    path_.back().taken = false;
                    found = walk(pc + 1);
                }
            }
        } else {
            found = walk(pc + 1);
        }
        if (!found) {
            path_.pop_back();
            on_path_[pc - start_] = false;
        }
        return found;
    }

    bool evaluate() {
        for (uint8_t r = 0; r < kRegs; ++r) state_[r] = Sym::reg(r);
        for (const Step& s : path_) {
            const LoweredSlot& slot = out_.slots[s.pc];
            if (slot.checked_access) return false;
            charge_ += slot.budget_charge;
            const bool ok = std::visit([&](const auto& insn) { return step(s, insn); }, slot.insn);
            if (!ok) return false;
        }
        return true;
    }

    Sym read(uint8_t r) {
        if (!written_[r]) head_read_[r] = true;
        return state_[r];
    }

    std::optional<Sym> operand(const Operand& o, uint64_t constant) {
        if (const auto* r = std::get_if<Reg>(&o)) {
            if (r->n >= kRegs) return std::nullopt;
            return read(r->n);
        }
        return Sym::constant_of(static_cast<int64_t>(constant));
    }

    void write(uint8_t r, const Sym& v) {
        state_[r] = v;
        written_[r] = true;
        if (!branch_seen_) written_before_branch_[r] = true;
    }

    // ALU operations have no effect beyond their register: one the idiom cannot follow
    // makes its destination unknown (usable only as a temporary no branch or address reads).
    bool step(const Step& s, const Alu& a) {
        if (a.dst.n >= kRegs) return false;
        auto src = operand(a.src, out_.slots[s.pc].constant);
        if (!src) return false;
        Sym d; // unknown
        if (a.is64 && a.op == AluOp::Mov) {
            d = *src; // a loaded byte stays one
        } else if (a.is64 && a.op == AluOp::Add) {
            d = add(read(a.dst.n), *src);
        } else if (a.is64 && a.op == AluOp::Sub && std::holds_alternative<Imm>(a.src)) {
            d = add(read(a.dst.n), Sym::constant_of(-src->constant));
        } else if (a.op != AluOp::Mov && a.op != AluOp::MovSx8 && a.op != AluOp::MovSx16 && a.op != AluOp::MovSx32) {
            (void)read(a.dst.n); // reads its destination: a temporary's head value must not be read
        }
        if (d.affine() && !fits_int32(d.constant)) d = Sym{};
        write(a.dst.n, d);
        return true;
    }

    bool step(const Step& s, const Load& l) {
        // Before any branch: an iteration that starts reads its byte of every load.
        if (l.size != Size::B || l.sign_extend || l.dst.n >= kRegs || l.base.n >= kRegs || branch_seen_ ||
            loads_ >= 2 || !facts_.in_bounds(s.pc))
            return false;
        const Sym address = add(read(l.base.n), Sym::constant_of(l.off));
        if (!address.affine() || !fits_int32(address.constant)) return false;
        load_addr_[loads_] = address;
        write(l.dst.n, Sym::loaded(static_cast<uint8_t>(loads_)));
        ++loads_;
        return true;
    }

    bool step(const Step& s, const Jump& j) {
        if (j.cond == Cond::Always) return true;
        if (j.dst.n >= kRegs) return false;
        Branch b;
        b.lhs = read(j.dst.n);
        auto rhs = operand(j.src, out_.slots[s.pc].constant);
        if (!rhs) return false;
        b.rhs = *rhs;
        b.cont = s.taken ? j.cond : negate(j.cond);
        b.is32 = j.is32;
        if (b.cont == Cond::Always) return false;
        branches_.push_back(b);
        branch_seen_ = true;
        return true;
    }

    template <class Other>
    bool step(const Step&, const Other&) {
        return false; // stores, calls, atomics, LDDW, endian...: not part of the idiom
    }

    // As the copy idiom's (idioms_sym.hpp): P continues while the counter, rising by 1 per
    // trip, stays below the bound.
    bool counter_test(const Branch& b, BlockOp& op) const {
        return counter_below_bound(b.cont, b.lhs, b.rhs, role_, op.counter, op.bound);
    }


    const verifier::Facts& facts_;
    const Lowered& out_;
    uint32_t start_, end_;
    uint32_t head_ = 0;
    std::vector<bool> on_path_;
    std::vector<Step> path_;
    size_t visits_ = 0;

    std::array<Sym, kRegs> state_{};
    std::array<bool, kRegs> written_{};
    std::array<bool, kRegs> written_before_branch_{};
    std::array<bool, kRegs> head_read_{};
    Roles role_{};
    bool branch_seen_ = false;
    int loads_ = 0;
    std::array<Sym, 2> load_addr_{};
    std::vector<Branch> branches_;
    uint32_t charge_ = 0;
};

bool falls_through(const LoweredSlot& slot) {
    if (std::holds_alternative<Exit>(slot.insn)) return false;
    const auto* j = std::get_if<Jump>(&slot.insn);
    return j == nullptr || j->cond != Cond::Always;
}

} // namespace

void recognise_compare_idioms(const verifier::Facts& facts, Lowered& out) {
    if (facts.access_in_bounds.empty()) return; // nothing proven: no load qualifies
    for (const Subprogram& sub : out.subprograms) {
        const auto start = static_cast<uint32_t>(sub.start);
        const auto end = static_cast<uint32_t>(sub.end);
        // Not the subprogram's first slot: its prologue follows that label.
        for (uint32_t x = start + 1; x < end; ++x) {
            const LoweredSlot& slot = out.slots[x];
            if (!slot.emit || slot.block_op >= 0) continue;
            uint32_t head = 0;
            uint32_t outside = 0;
            const auto* j = std::get_if<Jump>(&slot.insn);
            if (j != nullptr && j->cond == Cond::Always && slot.budget_charge == 0) {
                head = static_cast<uint32_t>(j->target); // `goto head`: the op runs instead
                outside = x;
                if (head <= start || head >= end) continue;
            } else if (slot.label) {
                head = x; // entered by falling through from the slot before
                auto prev = previous_emitted(out, x, start);
                if (!prev || !falls_through(out.slots[*prev])) continue;
                outside = *prev;
            } else {
                continue;
            }
            auto op = CompareMatcher(facts, out, sub).match(head, outside);
            if (!op) continue;
            out.slots[head].label = true;
            out.slots[x].block_op = static_cast<int32_t>(out.block_ops.size());
            out.block_ops.push_back(std::move(*op));
        }
    }
}

} // namespace ebpfjit::jit::detail
