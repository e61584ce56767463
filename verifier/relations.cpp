// The loop pass's relational facts (zone.hpp): which symbol each register's value has,
// what an ALU instruction or a branch teaches about differences between them, and
// packet / mem accesses proven from `offset + size <= len`. In the path walk the state
// has no zone and every function here does nothing.
#include <algorithm>

#include "verifier/analyzer.hpp"
#include "verifier/relations.hpp"

namespace ebpfjit::verifier {

namespace {

constexpr uint64_t kModelMax = uint64_t(Zone::kMaxBound); // values in the zone's model are below this

// The value (scalar) or variable offset (packet pointer) fits the zone's model.
bool in_model(const RegState& r) {
    if (r.type == RegType::PacketEnd) return true;
    return holds_zone_value(r) && r.var.umax < kModelMax && r.var.smin >= 0;
}

int64_t hi_of(const Scalar& v) { return v.umax < kModelMax ? int64_t(v.umax) : Zone::kInf; }
int64_t lo_of(const Scalar& v) { return int64_t(std::min(v.umin, kModelMax)); }

// y = x + d (d constant, no wrap): every sum s = c + x bounded against the length gets a
// twin u = c + y with u = s + d. A loop that steps its index (n += 2) keeps in the twin
// what it learnt of base + n (base + n + 46 <= len gives base + (n + 2) + 44 <= len),
// a relation of three values the matrix alone cannot carry round the loop. u must stay in
// the zone's model (below 2^62) as every value does: s's upper bound plus d. (d < 0: u =
// c + y is at least 0.)
bool shift_sums(Zone& z, uint32_t x, uint32_t y, int64_t d) {
    auto has_x = [x](const Zone::Sum& s) { return s.a == x || s.b == x; };
    if (std::none_of(z.sums().begin(), z.sums().end(), has_x)) return true; // most steps
    const std::vector<Zone::Sum> sums = z.sums(); // define_sum may drop the oldest
    for (const Zone::Sum& s : sums) {
        if (!has_x(s) || z.bound(s.y, Zone::kLen) == Zone::kInf) continue;
        if (d > 0 && bound_add(z.bound(s.y, Zone::kZero), d) == Zone::kInf) continue;
        if (z.full()) break;
        const uint32_t u = z.fresh();
        if (!z.add(u, s.y, d) || !z.add(s.y, u, -d)) return false;
        z.define_sum(u, s.a == x ? s.b : s.a, y);
    }
    return true;
}

} // namespace

uint32_t zone_term(const RegState& r) {
    if (r.type == RegType::PacketEnd) return Zone::kLen;
    if (!holds_zone_value(r)) return 0;
    if (r.sym) return r.sym;
    if (r.var.is_const() && r.var.value() == 0) return Zone::kZero;
    return 0;
}

ZoneTerm zone_term_of(const RegState& r, const Scalar& var, int64_t delta) {
    ZoneTerm t;
    t.sym = zone_term(r);
    t.delta = delta;
    t.lo = lo_of(var);
    t.hi = var.smin >= 0 ? hi_of(var) : Zone::kInf;
    if (r.type == RegType::PacketEnd) t.lo = 0, t.hi = Zone::kInf; // the zone knows len's bounds
    return t;
}

int64_t zone_bound(const std::optional<Zone>& z, const ZoneTerm& x, const ZoneTerm& y) {
    auto range = [&](const ZoneTerm& t, int64_t& lo, int64_t& hi) {
        lo = t.lo;
        hi = t.hi;
        if (t.sym == Zone::kLen) {
            hi = z ? z->bound(Zone::kLen, Zone::kZero) : Zone::kInf;
            const int64_t down = z ? z->bound(Zone::kZero, Zone::kLen) : 0;
            lo = down == Zone::kInf ? 0 : -down;
        }
        if (t.sym == Zone::kZero) lo = hi = 0;
        if (hi != Zone::kInf) hi += t.delta;
        lo += t.delta;
    };
    int64_t x_lo, x_hi, y_lo, y_hi;
    range(x, x_lo, x_hi);
    range(y, y_lo, y_hi);
    int64_t best = bound_add(x_hi, -y_lo); // x - y <= max(x) - min(y)
    if (z && x.sym && y.sym) {
        const int64_t b = z->bound(x.sym, y.sym);
        if (b != Zone::kInf) best = std::min(best, bound_add(b, x.delta - y.delta));
    }
    return best;
}

int64_t side_bound(const std::optional<Zone>& z, const SideValue& x, const SideValue& y) {
    ZoneTerm zero;
    zero.sym = Zone::kZero;
    zero.hi = 0;
    auto b = [&](const ZoneTerm& p, const ZoneTerm& q) { return zone_bound(z, p, q); };
    int64_t best = Zone::kInf;
    if (x.term && y.term) best = b(*x.term, *y.term);
    if (x.sum && y.term) { // (a + b) - y <= (a - y) + max(b)
        const auto& [p, q] = *x.sum;
        best = std::min({best, bound_add(b(p, *y.term), b(q, zero)), bound_add(b(q, *y.term), b(p, zero))});
    }
    if (x.term && y.sum) { // x - (c + d) <= (x - c) - min(d)
        const auto& [p, q] = *y.sum;
        best = std::min({best, bound_add(b(*x.term, p), b(zero, q)), bound_add(b(*x.term, q), b(zero, p))});
    }
    if (x.sum && y.sum) { // (a + b) - (c + d) <= (a - c) + (b - d)
        const auto& [p, q] = *x.sum;
        const auto& [r, s] = *y.sum;
        best = std::min({best, bound_add(b(p, r), b(q, s)), bound_add(b(p, s), b(q, r))});
    }
    return best;
}

bool zone_subsumes(const AbstractState& old, const AbstractState& cur,
                   const std::vector<std::pair<const RegState*, const RegState*>>& pairs,
                   const std::vector<uint32_t>& slot_syms) {
    if (!old.zone) return true;
    // (old symbol, the same value in the current state)
    std::vector<std::pair<uint32_t, SideValue>> terms;
    ZoneTerm len;
    len.sym = Zone::kLen;
    ZoneTerm zero;
    zero.sym = Zone::kZero;
    zero.hi = 0;
    terms.push_back({Zone::kLen, {len, {}}});
    terms.push_back({Zone::kZero, {zero, {}}});
    for (auto [o, c] : pairs) {
        const uint32_t t = zone_term(*o);
        // A register that is the length itself in the old state (a 32-bit copy of a mem
        // program's r2, or a join of two) must be it in the current one too: its entry is
        // compared with the length's (old bound 0 both ways). Skipping it let a state whose
        // register was any number below the old bounds be covered by one that proved
        // `i < r7` meant `i < len`.
        if (!t || t == Zone::kZero) continue;
        terms.push_back({t, {zone_term_of(*c, c->var, 0), {}}});
    }
    // Old sums over paired terms: the current state's sum of the same terms, or that
    // sum as the current state's bounds on its two terms describe it.
    auto current = [&](uint32_t old_sym) -> std::optional<ZoneTerm> {
        if (old_sym == Zone::kZero) return zero;
        if (old_sym == Zone::kLen) return len;
        for (const auto& [o, c] : terms)
            if (o == old_sym && c.term && c.term->delta == 0) return c.term;
        return std::nullopt;
    };
    const size_t first_sum = terms.size(); // sums' own bounds against 0 count too
    const auto& old_sums = old.zone->sums();
    std::vector<bool> mapped(old_sums.size());
    for (int round = 0; round < 2; ++round) // a sum of a sum needs its inner one first
        for (size_t i = 0; i < old_sums.size(); ++i) {
            const Zone::Sum& s = old_sums[i];
            if (mapped[i]) continue;
            const auto a = current(s.a), b = current(s.b);
            if (!a || !b) continue;
            mapped[i] = true;
            SideValue now;
            now.sum = {*a, *b};
            if (cur.zone && a->sym && b->sym)
                for (const Zone::Sum& t : cur.zone->sums())
                    if ((t.a == a->sym && t.b == b->sym) || (t.a == b->sym && t.b == a->sym)) {
                        ZoneTerm y;
                        y.sym = t.y;
                        now.term = y;
                    }
            terms.push_back({s.y, now});
        }
    // A sum whose value the current state cannot name is a fact it cannot be shown to
    // have: the old state must not rely on it (no bound against the values compared).
    // A sum none of whose values (y, a, b) the old state still holds is no fact its
    // continuation can use: the same sum is never computed again (its terms' holders are
    // gone), it shares no term with a sum of held values, and what it implied for the
    // values held is in the closed matrix, compared below. Such a sum (the base + n of a
    // loop the path has left) made every later state of xvs's request path uncovered in
    // the loop pass: 25,603 instructions before it failed, now 4,425.
    // (Held: by a live register compared here, or by a stack slot that may still be read:
    // a fill may bring its value back. A dead register is written before it is read.)
    auto held = [&](uint32_t v) {
        if (v == Zone::kZero || v == Zone::kLen) return true;
        if (std::find(slot_syms.begin(), slot_syms.end(), v) != slot_syms.end()) return true;
        for (const auto& [o, c] : terms)
            if (o == v) return true;
        return false;
    };
    for (size_t i = 0; i < old_sums.size(); ++i) {
        if (mapped[i]) continue;
        if (!held(old_sums[i].y) && !held(old_sums[i].a) && !held(old_sums[i].b)) continue;
        for (const auto& [o, c] : terms) {
            if (o == old_sums[i].y) continue;
            const bool trivial_low = o == Zone::kZero && old.zone->bound(o, old_sums[i].y) >= 0; // y >= 0
            if ((old.zone->bound(old_sums[i].y, o) != Zone::kInf) || (!trivial_low && old.zone->bound(o, old_sums[i].y) != Zone::kInf))
                return false;
        }
    }
    // The current state's bounds between these values, closed as a join closes them (a
    // bound through a third value: `r0 + run <= i + run < len` from r0 <= i): what the
    // join of the two would keep, so a state the head's join already covers is covered.
    // (Cubic: past kMaxClosed values, as on hostile programs with many frames and spills,
    // the bounds are compared as they are, which is sound, only less often covered.)
    constexpr size_t kMaxClosed = 64;
    const size_t n = terms.size();
    std::vector<int64_t> m(n * n);
    for (size_t a = 0; a < n; ++a)
        for (size_t b = 0; b < n; ++b)
            m[a * n + b] = a == b ? 0 : side_bound(cur.zone, terms[a].second, terms[b].second);
    for (size_t k = 0; k < n && n <= kMaxClosed; ++k)
        for (size_t a = 0; a < n; ++a) {
            if (m[a * n + k] == Zone::kInf) continue;
            for (size_t b = 0; b < n; ++b) m[a * n + b] = std::min(m[a * n + b], bound_add(m[a * n + k], m[k * n + b]));
        }
    for (size_t a = 0; a < n; ++a)
        for (size_t b = 0; b < n; ++b) {
            if (a == b) continue;
            // Bounds of single values against 0 are the registers' own (compared with
            // precision in mind by the caller); only len's are the zone's alone.
            const uint32_t sa = terms[a].first, sb = terms[b].first;
            const bool sum_pair = a >= first_sum || b >= first_sum;
            if (!sum_pair && ((sa == Zone::kZero && sb != Zone::kLen) || (sb == Zone::kZero && sa != Zone::kLen)))
                continue;
            const int64_t ob = old.zone->bound(sa, sb);
            if (ob == Zone::kInf) continue;
            if (m[a * n + b] > ob) return false;
        }
    return true;
}

uint32_t Analyzer::ensure_sym(AbstractState& s, RegState& r) {
    if (const uint32_t t = zone_term(r)) return t;
    if (!s.zone || !in_model(r)) return 0;
    collect_zone_garbage(s);
    if (s.zone->full()) return 0;
    const uint32_t sym = s.zone->fresh();
    (void)s.zone->bound_value(sym, r.var.umin, r.var.umax); // a fresh symbol cannot conflict
    r.sym = sym;
    // Copies linked by a scalar id are the same value; packet pointers sharing an id
    // share their variable offset.
    if (r.id) {
        const uint32_t id = r.id;
        const RegType type = r.type;
        s.for_each_reg([&](RegState& o) {
            if (o.type == type && o.id == id && !o.sym) o.sym = sym;
        });
    }
    return sym;
}

void Analyzer::bound_dead_symbols(AbstractState& s) {
    if (!s.zone) return;
    const LiveMasks live = checkpoints_.live_masks(s);
    const StackMasks stack_live = checkpoints_.stack_masks(s);
    Zone& z = *s.zone;
    // Only bounds the zone does not have yet: each addition closes it.
    auto put_bounds = [&](const RegState& r) {
        if (!r.sym || !in_model(r)) return;
        const int64_t up = z.bound(r.sym, Zone::kZero), down = z.bound(Zone::kZero, r.sym);
        const bool has_up = up != Zone::kInf && up >= 0 && uint64_t(up) <= r.var.umax;
        const bool has_down = down != Zone::kInf && down <= 0 && uint64_t(-down) >= r.var.umin;
        if (!has_up || !has_down) (void)z.bound_value(r.sym, r.var.umin, r.var.umax);
    };
    for (size_t f = 0; f < s.frames.size() && f < live.size(); ++f) {
        const FrameState& frame = s.frames[f];
        for (uint8_t r = 0; r < isa::kNumRegisters; ++r)
            if (!((live[f] >> r) & 1)) put_bounds(frame.regs[r]);
        const auto& slots = frame.stack.slots();
        for (size_t i = 0; i < slots.size() && i < 64; ++i)
            if (!((stack_live[f] >> i) & 1) && (slots[i].is_spill() || slots[i].narrow)) put_bounds(slots[i].spilled);
    }
}

void Analyzer::collect_zone_garbage(AbstractState& s) {
    if (!s.zone || (s.zone->size() < 24 && s.zone->sums().size() < 8)) return;
    std::vector<uint32_t> alive;
    s.for_each_reg([&](RegState& r) {
        if (r.sym) alive.push_back(r.sym);
    });
    s.zone->keep_only(alive);
}

// y = a + b or y = a - b, where `y` is the result register already computed and `a`,
// `b` the operands' states before the instruction (b may be an immediate).
void Analyzer::relate_alu(AbstractState& s, const isa::Alu& insn, const RegState& dst_before,
                          const RegState& src_before) {
    if (!s.zone) return;
    RegState& out = s.reg(insn.dst.n);
    using isa::AluOp;
    if (insn.op == AluOp::Mov) {
        // A 64-bit copy keeps the symbol (the register was copied whole); a 32-bit copy
        // only if the value had no upper half.
        if (!insn.is64) out.sym = src_before.is_scalar() && src_before.var.umax <= 0xffffffffULL ? src_before.sym : 0;
        if (!holds_zone_value(out)) out.sym = 0;
        return;
    }
    if (out.is_scalar() && (dst_before.is_pointer() || src_before.is_pointer())) { // a pointer difference
        out.sym = 0;
        return;
    }
    // x | c and x & c, x >> c (constants): within [x, x + c] and [0, x] of the old value.
    if (out.is_scalar() && dst_before.is_scalar() && src_before.var.is_const() && in_model(out) &&
        in_model(dst_before) && (insn.is64 || dst_before.var.umax <= 0xffffffffULL) &&
        (insn.op == AluOp::Or || insn.op == AluOp::And || insn.op == AluOp::Rsh)) {
        const uint32_t tx = zone_term(dst_before);
        const uint64_t c = src_before.var.value();
        if (tx && (insn.op != AluOp::Or || c < kModelMax) && !s.zone->full()) {
            Zone& z = *s.zone;
            const uint32_t y = z.fresh();
            bool ok = z.bound_value(y, out.var.umin, out.var.umax);
            if (insn.op == AluOp::Or) ok = ok && z.add(y, tx, int64_t(c)) && z.add(tx, y, 0);
            else ok = ok && z.add(y, tx, 0);
            out.sym = ok ? y : 0;
            return;
        }
    }
    if (!holds_zone_value(out) || !in_model(out) || (insn.op != AluOp::Add && insn.op != AluOp::Sub)) {
        out.sym = 0;
        return;
    }
    // A constant that is negative in the operation's width: `x += -14` is `x -= 14` (and
    // `x -= -k` is `x += k`), both modulo 2^64 (2^32 for the 32-bit forms, which use the
    // constant's low half); the checks below then rule out the wrap (`x -= 14` needs x >= 14).
    AluOp op = insn.op;
    RegState negated;
    const RegState* src_term = &src_before;
    if (out.is_scalar() && src_before.is_scalar() && src_before.var.is_const()) {
        const uint64_t width = insn.is64 ? ~0ULL : 0xffffffffULL;
        const uint64_t sign = insn.is64 ? uint64_t(1) << 63 : uint64_t(1) << 31;
        const uint64_t low = src_before.var.value() & width;
        const uint64_t k = (~low + 1) & width; // -low in the operation's width
        if ((low & sign) && k != 0 && k < sign) {
            op = op == AluOp::Add ? AluOp::Sub : AluOp::Add;
            negated = RegState::scalar(Scalar::constant(k));
            src_term = &negated;
        }
    }
    const bool ptr = out.type == RegType::Packet;
    // For pointer arithmetic, the operands are the pointer's variable offset and the scalar.
    const RegState& a = ptr && !dst_before.is_pointer() ? *src_term : dst_before;
    const RegState& b = ptr && !dst_before.is_pointer() ? dst_before : *src_term;
    if (!in_model(a) || !in_model(b)) {
        out.sym = 0;
        return;
    }
    if (ptr && b.var.is_const()) return; // the constant went into `off`: the variable part is a's
    const uint64_t limit = insn.is64 ? kModelMax : 0x100000000ULL;
    const uint32_t ta = zone_term(a), tb = zone_term(b);
    Zone& z = *s.zone;
    if (z.full()) {
        out.sym = 0;
        return;
    }
    if (op == AluOp::Add) {
        if (a.var.umax + b.var.umax >= limit || (!insn.is64 && (a.var.umax > 0xffffffffULL || b.var.umax > 0xffffffffULL))) {
            out.sym = 0;
            return;
        }
        if (ptr && ta == Zone::kZero) { // base + k: the offset is k itself
            out.sym = tb;
            return;
        }
        if (!ta && !tb) {
            out.sym = 0;
            return;
        }
        const uint32_t y = z.fresh();
        bool ok = z.bound_value(y, out.var.umin, out.var.umax);
        if (ta) ok = ok && z.add(y, ta, hi_of(b.var)) && z.add(ta, y, -lo_of(b.var));
        if (tb) ok = ok && z.add(y, tb, hi_of(a.var)) && z.add(tb, y, -lo_of(a.var));
        if (ta && tb && ok) {
            z.define_sum(y, ta, tb);
            ok = z.derive_from_sums();
        }
        if (ok && ta && !tb && b.var.is_const()) ok = shift_sums(z, ta, y, int64_t(b.var.value()));
        out.sym = ok ? y : 0; // a contradiction here would mean an unsound bound: forget it
        return;
    }
    // y = a - b: no wrap-around only if a >= b on every value.
    const bool no_wrap = a.var.umin >= b.var.umax || (ta && tb && z.bound(tb, ta) <= 0);
    if (!no_wrap || (!insn.is64 && (a.var.umax > 0xffffffffULL || b.var.umax > 0xffffffffULL)) || !ta) {
        out.sym = 0;
        return;
    }
    const uint32_t y = z.fresh();
    bool ok = z.bound_value(y, out.var.umin, out.var.umax) && z.add(y, ta, -lo_of(b.var)) &&
              z.add(ta, y, hi_of(b.var));
    if (ok && !tb && b.var.is_const()) ok = shift_sums(z, ta, y, -int64_t(b.var.value()));
    if (tb) { // y = a - b lies within the bounds the zone has on a - b
        const int64_t up = z.bound(ta, tb), down = z.bound(tb, ta);
        if (up != Zone::kInf) ok = ok && z.add(y, Zone::kZero, up);
        if (down != Zone::kInf) ok = ok && z.add(Zone::kZero, y, down);
    }
    out.sym = ok ? y : 0;
}

void Analyzer::note_shift_out(AbstractState& s, const isa::Alu& insn) {
    const auto* imm = std::get_if<isa::Imm>(&insn.src);
    const uint32_t next = s.pc + 1;
    if (insn.op != isa::AluOp::Lsh || !insn.is64 || !imm || imm->v != 32 || next >= program_.size()) return;
    // A loop head's join may replace the state between the two shifts: no pairing there.
    if (join_head_[next]) return;
    const auto* back = std::get_if<isa::Alu>(&program_.insns[next]);
    if (!back || !back->is64 || back->dst.n != insn.dst.n || (back->op != isa::AluOp::Rsh && back->op != isa::AluOp::Arsh))
        return;
    RegState& x = s.reg(insn.dst.n);
    if (!x.is_scalar() || x.var.umax > 0xffffffffULL) return; // the shift loses no bit
    const uint32_t sym = ensure_sym(s, x); // named now, so that copies of x share what is learnt
    shift_out_ = ShiftOut{s.pc, insn.dst.n, sym, x.var};
}

void Analyzer::shift_back(AbstractState& s, const isa::Alu& insn, const ShiftOut& out) {
    if (out.pc == UINT32_MAX || out.pc + 1 != s.pc || out.reg != insn.dst.n || !insn.is64) return;
    const auto* imm = std::get_if<isa::Imm>(&insn.src);
    if (!imm || imm->v != 32 || (insn.op != isa::AluOp::Rsh && insn.op != isa::AluOp::Arsh)) return;
    // x << 32 kept every bit of x (x < 2^32); >> 32 gives x back, s>> 32 too if bit 31
    // of x was 0 (else the sign spreads into the upper half).
    if (insn.op == isa::AluOp::Arsh && out.value.umax > 0x7fffffffULL) return;
    RegState& r = s.reg(insn.dst.n);
    if (!r.is_scalar()) return;
    r.var = out.value;
    r.sym = out.sym && s.zone && s.zone->has(out.sym) ? out.sym : 0;
}

// Bounds the zone implies for every register's value (r3 = r2 + 1 learns r2 <= 9 too).
bool Analyzer::tighten_from_zone(AbstractState& s) {
    bool feasible = true;
    const Zone& z = *s.zone;
    s.for_each_reg([&](RegState& r) {
        if (!r.sym || !holds_zone_value(r) || r.var.smin < 0) return;
        const int64_t up = z.bound(r.sym, Zone::kZero), down = z.bound(Zone::kZero, r.sym);
        Scalar v = r.var;
        if (up != Zone::kInf && up >= 0) v.umax = std::min(v.umax, uint64_t(up));
        if (down != Zone::kInf && down <= 0) v.umin = std::max(v.umin, uint64_t(-down));
        if (up != Zone::kInf && up < 0) feasible = false;
        if (!(v == r.var)) {
            if (!v.normalize()) feasible = false;
            else r.var = v;
        }
    });
    return feasible;
}

void Analyzer::tighten_packet_offsets(AbstractState& s) {
    if (!s.zone) return;
    const Zone& z = *s.zone;
    s.for_each_reg([&](RegState& r) {
        if (r.type != RegType::Packet || !r.sym || r.var.smin < 0) return;
        const int64_t up = z.bound(r.sym, Zone::kZero);
        if (up == Zone::kInf || up < 0 || uint64_t(up) >= r.var.umax) return;
        Scalar v = r.var;
        v.umax = uint64_t(up);
        if (v.normalize()) r.var = v; // (an empty set cannot come from a satisfiable zone)
    });
}

bool Analyzer::relate_branch(AbstractState& edge, uint8_t d, const isa::Reg* src, Relation rel, bool is32,
                             const RegState& a, const RegState& b) {
    if (!edge.zone) return true;
    return relate_operands(edge, d, src, rel, is32, a, b) && edge.zone->derive_from_sums() && tighten_from_zone(edge);
}

bool Analyzer::relate_operands(AbstractState& edge, uint8_t d, const isa::Reg* src, Relation rel, bool is32,
                               const RegState& a, const RegState& b) {
    Zone& z = *edge.zone;
    RegState& ra = edge.reg(d);
    // The refined bounds of each register go into the zone first.
    auto push_bounds = [&](RegState& r) {
        if (r.sym && r.is_scalar() && in_model(r)) return z.bound_value(r.sym, r.var.umin, r.var.umax);
        return true;
    };
    if (!push_bounds(ra)) return false;
    if (!src) return true;
    RegState& rb = edge.reg(src->n);
    if (!push_bounds(rb)) return false;
    if (src->n == d) return true;
    // x - y <= c between the two operands' values (offsets for packet pointers).
    const bool scalars = a.is_scalar() && b.is_scalar();
    const bool packets = !is32 && (a.type == RegType::Packet || a.type == RegType::PacketEnd) &&
                         (b.type == RegType::Packet || b.type == RegType::PacketEnd);
    if (!scalars && !packets) return true;
    if (!in_model(a) || !in_model(b)) return true;
    if (is32 && (a.var.umax > 0xffffffffULL || b.var.umax > 0xffffffffULL)) return true;
    const bool is_signed = rel == Relation::SLt || rel == Relation::SLe || rel == Relation::SGt || rel == Relation::SGe;
    if (is32 && is_signed && (a.var.umax > 0x7fffffffULL || b.var.umax > 0x7fffffffULL)) return true;
    const uint32_t ta = ensure_sym(edge, ra), tb = ensure_sym(edge, rb);
    if (!ta || !tb) return true;
    // Packet pointers: (a.off + va) - (b.off + vb) <= c  <=>  va - vb <= c - a.off + b.off.
    const int64_t shift = packets ? int64_t(b.off) - int64_t(a.off) : 0;
    switch (rel) {
    case Relation::Lt: case Relation::SLt: return z.add(ta, tb, -1 + shift);
    case Relation::Le: case Relation::SLe: return z.add(ta, tb, shift);
    case Relation::Gt: case Relation::SGt: return z.add(tb, ta, -1 - shift);
    case Relation::Ge: case Relation::SGe: return z.add(tb, ta, -shift);
    case Relation::Eq: return z.add(ta, tb, shift) && z.add(tb, ta, -shift);
    default: return true;
    }
}

bool Analyzer::zone_proves_packet_access(const AbstractState& s, const RegState& ptr, int32_t off,
                                         uint32_t size) const {
    if (!s.zone || ptr.type != RegType::Packet || !in_model(ptr)) return false;
    // base + var + ptr.off + off + size <= base + len, from a relation or from bounds.
    ZoneTerm len;
    len.sym = Zone::kLen;
    const int64_t gap = zone_bound(s.zone, zone_term_of(ptr, ptr.var, 0), len);
    return gap != Zone::kInf && gap + int64_t(ptr.off) + off + int64_t(size) <= 0;
}

} // namespace ebpfjit::verifier
