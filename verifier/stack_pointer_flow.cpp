#include "verifier/stack_pointer_flow.hpp"

#include <algorithm>

namespace ebpfjit::verifier::stack_flow {

using namespace isa;


// A number in [lo, hi]; bounds wider than a frame (or far outside one) are not kept.
Val num(int64_t lo, int64_t hi) {
    const int64_t cap = int64_t(kStackSize) * 4;
    if (lo < -cap || hi > cap || hi - lo > int64_t(kStackSize)) return kNone;
    return Val{Val::None, 1, int16_t(lo), int16_t(hi)};
}



// A range wider than a frame says nothing about where in it: the whole frame. The cap also
// ends the forward pass on a loop that moves a pointer by a constant each round.
Val hull(uint8_t base, int64_t lo, int64_t hi) {
    if (hi - lo > int64_t(kStackSize)) return whole_frame(base);
    return Val{Val::Range, base, int16_t(lo), int16_t(hi)};
}

Val join(Val a, Val b) {
    if (a.kind == Val::Bottom) return b;
    if (b.kind == Val::Bottom) return a;
    if (a == b) return a;
    if (a.kind == Val::None && b.kind == Val::None)
        return bounded(a) && bounded(b) ? num(std::min(a.off, b.off), std::max(a.hi, b.hi)) : kNone;
    if (a.kind == Val::None && is_offset(b)) return Val{Val::MaybeFixed, b.base, b.off};
    if (b.kind == Val::None && is_offset(a)) return Val{Val::MaybeFixed, a.base, a.off};
    if (a.kind == Val::None && b.kind == Val::Range) return b;
    if (b.kind == Val::None && a.kind == Val::Range) return a;
    if (is_placed(a) && is_placed(b) && a.base == b.base) {
        if (is_offset(a) && is_offset(b) && a.off == b.off) return Val{Val::MaybeFixed, a.base, a.off};
        return hull(a.base, std::min<int64_t>(a.off, b.off), std::max(top(a), top(b)));
    }
    return kAny; // Any with anything, or two bases: some stack pointer
}




// join_into for the registers before a slot, where number bounds that keep growing (a loop
// counter) are dropped after a few rounds: `grown` counts them at the slot.
bool join_regs(Regs& into, const Regs& from, uint8_t& grown) {
    constexpr uint8_t kMaxGrowth = 8;
    bool changed = false;
    for (size_t r = 0; r < into.size(); ++r) {
        Val j = join(into[r], from[r]);
        if (j == into[r]) continue;
        if (bounded(j) && bounded(into[r]) && ++grown > kMaxGrowth) j = kNone;
        into[r] = j;
        changed = true;
    }
    return changed;
}


// Slots holding any byte of [lo, hi) (offsets from r10, clipped to the frame).
uint64_t slots_of(int64_t lo, int64_t hi) {
    lo = std::max<int64_t>(lo, -int64_t(kStackSize));
    hi = std::min<int64_t>(hi, 0);
    uint64_t m = 0;
    for (int64_t b = lo; b < hi; ++b) m |= uint64_t{1} << ((-b - 1) / 8);
    return m;
}



uint64_t tracked_mask(const Tracked& tracked) {
    uint64_t m = 0;
    for (int slot : tracked.slots) m |= uint64_t{1} << slot;
    return m;
}

// Every tracked slot may have been overwritten with data (a store or helper write the
// analysis cannot place): a pointer there is only "maybe" one now.
void weaken(Slots& sl) {
    for (Val& v : sl) v = join(v, kNone);
}

// Tracked slots holding any byte of [lo, hi) may now hold data; slot `whole` (if tracked)
// was replaced by `v`.
void weaken_range(Slots& sl, const Tracked& tracked, int64_t lo, int64_t hi, int whole, Val v) {
    for (size_t t = 0; t < tracked.slots.size(); ++t) {
        const int slot = tracked.slots[t];
        const int64_t s_lo = -8 * int64_t(slot + 1), s_hi = s_lo + 8;
        if (slot == whole) sl[t] = v;
        else if (lo < s_hi && s_lo < hi) sl[t] = join(sl[t], kNone);
    }
}


// `p` placed from `base` instead, `shift` bytes further (a pointer into the frame an
// argument points into, seen from the argument).
Val rebase(Val p, uint8_t base, int64_t shift) {
    if (!is_placed(p)) return p;
    if (is_whole_frame(p)) return whole_frame(base);
    const int64_t lo = p.off + shift, hi = top(p) + shift;
    if (lo < -int64_t(kStackSize) * 4 || hi > int64_t(kStackSize) * 4) return whole_frame(base);
    return Val{p.kind, base, int16_t(lo), p.kind == Val::Range ? int16_t(hi) : int16_t(0)};
}


// The bounds of a number after `op` (64-bit, or 32-bit where every value involved is a
// non-negative number below 2^31, so zero extension changes nothing); kNone if unknown.
static Val number_after(AluOp op, bool is64, Val d, Val s) {
    const bool nonneg = bounded(d) && d.off >= 0;
    Val out = kNone;
    switch (op) {
    case AluOp::Mov: out = s; break;
    case AluOp::Add:
        if (bounded(d) && bounded(s)) out = num(int64_t(d.off) + s.off, int64_t(d.hi) + s.hi);
        break;
    case AluOp::Sub:
        if (bounded(d) && bounded(s)) out = num(int64_t(d.off) - s.hi, int64_t(d.hi) - s.off);
        break;
    case AluOp::Lsh:
        if (nonneg && bounded(s) && s.off == s.hi && s.off >= 0 && s.off < 16)
            out = num(int64_t(d.off) << s.off, int64_t(d.hi) << s.off);
        break;
    case AluOp::Rsh:
        // (a shift by the register's value modulo the width: only amounts below it are taken)
        if (nonneg && bounded(s) && s.off == s.hi && s.off >= 0 && s.off < (is64 ? 64 : 32))
            out = num(int64_t(d.off) >> s.off, int64_t(d.hi) >> s.off);
        break;
    case AluOp::And: // with a non-negative mask: at most the mask
        if (bounded(s) && s.off == s.hi && s.off >= 0) out = num(0, nonneg ? std::min(d.hi, s.hi) : s.hi);
        break;
    default: break;
    }
    if (!is64 && bounded(out) && out.off < 0) return kNone; // 32-bit: zero-extended
    if (!is64 && op != AluOp::And && op != AluOp::Mov && !nonneg) return kNone;
    return out;
}

// Pointer `p` moved by the number `by` (back, if `back`): by its bounds where it has them,
// else anywhere in the same frame.
static Val moved(Val p, Val by, bool back) {
    if (!bounded(by) || is_whole_frame(p)) return whole_frame(p.base);
    const int64_t lo = back ? int64_t(p.off) - by.hi : int64_t(p.off) + by.off;
    const int64_t hi = back ? top(p) - by.off : top(p) + by.hi;
    if (lo < -int64_t(kStackSize) * 4 || hi > int64_t(kStackSize) * 4) return whole_frame(p.base);
    if (by.off == by.hi && is_offset(p)) return Val{p.kind, p.base, int16_t(lo), 0};
    return hull(p.base, lo, hi);
}

// The register and slot values after `insn` (calls and exits excepted: the caller handles
// them); `spills`: those of the frame's arguments.
void transfer(const Instruction& insn, Regs& r, Slots& sl, const Tracked& tracked, const ArgSpills& spills) {
    if (const auto* a = std::get_if<Alu>(&insn)) {
        Val& d = r[a->dst.n];
        const auto* src_reg = std::get_if<Reg>(&a->src);
        const auto* imm = std::get_if<Imm>(&a->src);
        // The source as a value: an immediate is a known number (sign-extended in 64-bit
        // operations, zero-extended in 32-bit ones).
        const Val s = src_reg ? r[src_reg->n]
                              : (a->is64 || imm->v >= 0 ? num(imm->v, imm->v) : kNone);
        if (a->op == AluOp::Mov && a->is64 && src_reg) {
            d = r[src_reg->n];
        } else if (a->op == AluOp::Mov || a->op == AluOp::MovSx8 || a->op == AluOp::MovSx16 ||
                   a->op == AluOp::MovSx32) {
            // a partial copy: a number (a 32-bit copy of a non-negative one is the same number)
            if (src_reg && is_stack(s)) d = kAny;
            else if (a->op == AluOp::Mov && (a->is64 || (bounded(s) && s.off >= 0))) d = s;
            else d = kNone;
        } else if (is_placed(d) && a->is64 && imm && (a->op == AluOp::Add || a->op == AluOp::Sub)) {
            // The same frame object moved by a constant: Fixed stays Fixed, a Range keeps its width.
            const int64_t delta = a->op == AluOp::Add ? int64_t(imm->v) : -int64_t(imm->v);
            const int64_t lo = int64_t(d.off) + delta, hi = top(d) + delta;
            if (is_whole_frame(d)) {
                // anywhere in the frame still
            } else if (lo < -int64_t(kStackSize) * 4 || hi > int64_t(kStackSize) * 4) {
                d = whole_frame(d.base); // out of the frame: the verifier's to judge
            } else if (d.kind == Val::Range) {
                d = hull(d.base, lo, hi);
            } else {
                d.off = int16_t(lo);
            }
        } else if (a->is64 && src_reg && (a->op == AluOp::Add || a->op == AluOp::Sub) && is_placed(d) &&
                   s.kind == Val::None) {
            d = moved(d, s, a->op == AluOp::Sub); // by a number: somewhere in the same frame
        } else if (a->is64 && src_reg && a->op == AluOp::Add && d.kind == Val::None && is_placed(s)) {
            d = moved(s, d, false);
        } else if (is_stack(d) || (src_reg && is_stack(s))) {
            d = kAny; // pointer arithmetic with a register, or anything the verifier judges
        } else {
            d = number_after(a->op, a->is64, d, s);
        }
    } else if (const auto* l = std::get_if<Load>(&insn)) {
        // Memory outside the stack never holds a stack pointer (else the analysis is off);
        // a slot does only as a spill, filled back by an aligned 8-byte load (exec_memory.cpp):
        // a narrower load, through any stack pointer, reads data.
        const Val b = r[l->base.n];
        Val v = kNone;
        if (l->size != Size::DW) {
            // data
        } else if (b.kind == Val::Any && !tracked.slots.empty()) {
            v = kAny; // any slot, of this frame or a caller's
        } else if (via_arg(b)) {
            // a slot of a frame below that may hold a spill
            v = spills[b.base - 1u].load(int64_t(b.off) + l->off, top(b) + l->off + 8, is_offset(b));
        } else if (in_frame(b) && is_offset(b)) {
            if (const int t = tracked.find(aligned_slot(int64_t(b.off) + l->off)); t >= 0)
                v = b.kind == Val::Fixed ? sl[size_t(t)] : join(sl[size_t(t)], kNone);
        } else if (in_frame(b) && b.kind == Val::Range && (slots_of(b.off + l->off, b.hi + l->off + 8) & tracked_mask(tracked))) {
            v = kAny; // one of several slots, a spill among them
        }
        r[l->dst.n] = v;
    } else if (const auto* st = std::get_if<Store>(&insn)) {
        const Val b = r[st->base.n];
        const auto* src = std::get_if<Reg>(&st->src);
        // (Slots keep no number bounds: they would only widen round loops.)
        const Val v = src && r[src->n].kind != Val::Bottom && r[src->n].kind != Val::None ? r[src->n] : kNone;
        if (in_frame(b)) {
            // An aligned 8-byte store at r10 + k replaces slot k (a spill, or data); any
            // other store over a tracked slot may leave data there. Through MaybeFixed or
            // Range it may land elsewhere: nothing is replaced for sure.
            const int64_t at = int64_t(b.off) + st->off;
            const int whole = b.kind == Val::Fixed && st->size == Size::DW ? aligned_slot(at) : -1;
            weaken_range(sl, tracked, at, top(b) + st->off + int64_t(st->size), whole, v);
        } else if (b.kind == Val::Any) {
            weaken(sl); // anywhere (a stack pointer stored like this turns the analysis off)
        } // through an argument: a caller's frame, whose own analysis weakens its slots at the call

    } else if (const auto* l = std::get_if<LoadImm64>(&insn)) {
        r[l->dst.n] = kNone;
    } else if (const auto* at = std::get_if<Atomic>(&insn)) {
        // The old value may be a spilled pointer (allow_ptr_leaks): anything, if any slot
        // may hold one and the base may be the stack.
        const Val fetched = is_stack(r[at->base.n]) && !tracked.slots.empty() ? kAny : kNone;
        if (may_be_own(r[at->base.n])) weaken(sl);
        if (at->op == AtomicOp::CmpXchg) r[0] = fetched;
        else if (at->fetch || at->op == AtomicOp::Xchg) r[at->src.n] = fetched;
    } else if (std::holds_alternative<PacketLoad>(insn)) {
        for (uint8_t n = 0; n <= 5; ++n) r[n] = kNone;
    }
    // Endian keeps the kind of its register: a byte swap of a pointer is the verifier's
    // rejection; either way nothing new becomes a stack pointer.
    if (const auto* e = std::get_if<Endian>(&insn)) r[e->dst.n] = is_stack(r[e->dst.n]) ? kAny : kNone;
}

bool Span::join(int64_t from, int64_t to) {
    from = std::max<int64_t>(from, -ArgReads::kOpen);
    to = std::min<int64_t>(to, ArgReads::kOpen);
    if (from >= to || (lo < hi && lo <= from && to <= hi)) return false;
    if (lo < hi) {
        from = std::min<int64_t>(from, lo);
        to = std::max<int64_t>(to, hi);
    }
    lo = int32_t(from);
    hi = int32_t(to);
    return true;
}

bool ArgSpill::add(int64_t rel, Val v) {
    if (!is_placed(v) || rel < -ArgReads::kOpen || rel > ArgReads::kOpen) return add_unknown(rel, rel + 8);
    for (auto& [r, old] : at)
        if (r == rel) {
            const Val j = join(old, v);
            if (j == old) return false;
            if (!is_placed(j)) return add_unknown(rel, rel + 8);
            old = j;
            return true;
        }
    if (at.size() == kMaxAt) return add_unknown(rel, rel + 8);
    at.emplace_back(int32_t(rel), v);
    return true;
}

Val ArgSpill::load(int64_t from, int64_t to, bool exact) const {
    if (unknown.meets(from, to)) return kAny;
    Val v = kNone;
    for (const auto& [r, p] : at) {
        if (exact && r == from) v = join(p, kNone); // or data, written over it since
        else if (r < to && from < r + 8) return kAny; // part of it, or one of several
    }
    return v;
}

} // namespace ebpfjit::verifier::stack_flow
