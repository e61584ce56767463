#include "verifier/state_join.hpp"

#include <algorithm>
#include <limits>
#include <map>

#include "verifier/relations.hpp"

namespace ebpfjit::verifier {

namespace {

// Pointers whose fixed offset may differ between the two states: the difference moves
// into the variable part (p + 4 after one more iteration is the same region).
bool offset_may_fold(RegType t) {
    switch (t) {
    case RegType::Packet:
    case RegType::PacketMeta:
    case RegType::Stack:
    case RegType::MapValue:
    case RegType::MapValueOrNull:
    case RegType::Mem:
    case RegType::MemOrNull:
    case RegType::MapKey: return true;
    default: return false;
    }
}

struct Joiner {
    bool widen;
    const Thresholds& t;
    const std::function<uint32_t()>& fresh_id;
    std::map<std::pair<uint32_t, uint32_t>, uint32_t> ids; // (old id, cur id) -> result id

    uint32_t map_id(uint32_t o, uint32_t c) {
        if (o == 0 && c == 0) return 0;
        auto [it, added] = ids.try_emplace({o, c}, 0);
        if (added) it->second = fresh_id();
        return it->second;
    }

    Scalar widened(const Scalar& o, const Scalar& joined) const { return widen ? widen_scalar(o, joined, t) : joined; }

    // The joined register; RegState{} (uninitialised) when nothing both know survives.
    RegState reg(const RegState& o, const RegState& c) {
        if (o.type == RegType::NotInit || c.type != o.type) return RegState{};
        if (o.type == RegType::Scalar) {
            RegState r = RegState::scalar(widened(o.var, join_scalar(o.var, c.var)));
            r.is_mem_length = o.is_mem_length && c.is_mem_length;
            return r;
        }
        if (o.map != c.map || o.mem_size != c.mem_size || o.frame != c.frame) return RegState{};
        RegState r = o;
        r.precise = false;
        r.sym = 0;
        r.released_at = 0;
        Scalar ov = o.var, cv = c.var;
        int64_t od = 0, cd = 0;
        if (o.off != c.off) {
            if (!offset_may_fold(o.type)) return RegState{};
            r.off = std::min(o.off, c.off);
            od = int64_t(o.off) - r.off;
            cd = int64_t(c.off) - r.off;
            ov = scalar_alu64(isa::AluOp::Add, ov, Scalar::constant(uint64_t(od)));
            cv = scalar_alu64(isa::AluOp::Add, cv, Scalar::constant(uint64_t(cd)));
        } else if (!offset_may_fold(o.type) && !(o.var == c.var)) {
            return RegState{};
        }
        r.var = widened(ov, join_scalar(ov, cv));
        if (o.type == RegType::Packet || o.type == RegType::PacketMeta) {
            auto left = [](uint32_t range, int64_t d) { return uint32_t(std::max<int64_t>(0, int64_t(range) - d)); };
            r.range = std::min(left(o.range, od), left(c.range, cd));
            r.end_mark = od == 0 && cd == 0 ? std::min(o.end_mark, c.end_mark) : EndMark::None;
            // id 0 means "the start plus a constant": a variable part needs an id of its own.
            // Pointers sharing an id share their variable part: not after folding
            // different offsets into it, nor for two id-less pointers.
            const bool start = r.var.is_const() && o.id == 0 && c.id == 0;
            const bool folded = od != 0 || cd != 0 || (o.id == 0 && c.id == 0);
            r.id = start ? 0 : folded ? fresh_id() : map_id(o.id, c.id);
        } else {
            r.id = map_id(o.id, c.id);
        }
        // Each side's value is its own variable part plus the offset folded into it: the
        // term's bounds are the variable part's (zone_term_of adds the delta to them), not
        // ov / cv, which hold the delta already (counted twice, a pointer 8 bytes on read as
        // 16 on: a lower bound too high, and a difference with another value too small).
        if (holds_zone_value(r)) pairs_pending.push_back({zone_term_of(o, o.var, od), zone_term_of(c, c.var, cd)});
        return r;
    }
    std::vector<std::pair<ZoneTerm, ZoneTerm>> pairs_pending; // for the register just joined

    RegState value(const RegState& o, const RegState& c) {
        pairs_pending.clear();
        RegState r = reg(o, c);
        if (r.type == RegType::Scalar || r.type == RegType::PacketEnd) // (packets' pairs come from reg())
            pairs_pending = {{zone_term_of(o, o.var, 0), zone_term_of(c, c.var, 0)}};
        return r;
    }
};

ByteKind join_byte(ByteKind o, ByteKind c, bool o_scalar_spill, bool c_scalar_spill) {
    auto data = [](ByteKind k, bool scalar_spill) {
        return k == ByteKind::Misc || k == ByteKind::Zero || (k == ByteKind::Spill && scalar_spill);
    };
    if (o == c && o != ByteKind::Spill) return o;
    if (data(o, o_scalar_spill) && data(c, c_scalar_spill)) return ByteKind::Misc;
    return ByteKind::Invalid;
}


// A symbol of the joined zone and the value it stands for in each state.
struct Node {
    uint32_t sym;
    SideValue o, c;
};

// The states' sums kept as sums of the joined zone (zone.hpp, Zone::Sum) where both terms
// are values of the joined state: `i + run < len` at a loop head, whether the other state
// computed i + run (a later iteration) or not (the first, where run is the constant 1:
// there the sum is bounded by i + 1's bounds). Appends the sums' nodes.
std::vector<Zone::Sum> join_sums(const AbstractState& old, const AbstractState& cur, Zone& z,
                                 std::vector<Node>& nodes) {
    std::vector<Zone::Sum> sums;
    if (!old.zone || !cur.zone) return sums;
    auto side = [](const Node& n, bool in_old) -> const SideValue& { return in_old ? n.o : n.c; };
    // The joined symbols holding exactly `s` of one state (a term of delta 0), by index:
    // a few, for a value may be paired with different values of the other state (0 with
    // the constant start of i, in the first iteration, and with i itself after it).
    constexpr size_t kMaxCandidates = 3;
    auto joined_of = [&](uint32_t s, bool in_old) {
        std::vector<size_t> found;
        for (size_t i = 1; i < nodes.size() && found.size() < kMaxCandidates; ++i) // [0] is kZero
            if (const auto& t = side(nodes[i], in_old).term; t && t->sym == s && t->delta == 0) found.push_back(i);
        if (found.empty() && s == Zone::kZero) found.push_back(0); // y = 0 + b: y is b
        return found;
    };
    auto bounded = [](const Zone& zz, uint32_t s) {
        ZoneTerm t;
        t.sym = s;
        const int64_t down = zz.bound(Zone::kZero, s);
        t.lo = down == Zone::kInf ? 0 : -down;
        t.hi = zz.bound(s, Zone::kZero);
        return t;
    };
    // The other state's value of the sum of two joined symbols: its own sum of the same
    // terms if it has one, else the sum of the terms.
    auto value_of_sum = [&](const Node& na, const Node& nb, bool in_old) {
        const Zone& zz = in_old ? *old.zone : *cur.zone;
        SideValue v;
        const auto &ta = side(na, in_old).term, &tb = side(nb, in_old).term;
        if (!ta || !tb) return v;
        v.sum = {*ta, *tb};
        if (ta->delta == 0 && tb->delta == 0 && ta->sym && tb->sym)
            for (const Zone::Sum& s : zz.sums())
                if ((s.a == ta->sym && s.b == tb->sym) || (s.a == tb->sym && s.b == ta->sym)) {
                    v.term = bounded(zz, s.y);
                    break;
                }
        return v;
    };
    std::vector<std::pair<uint32_t, uint32_t>> done; // joined (a, b), a < b
    for (int round = 0; round < 2; ++round) // a sum of a sum needs its inner one first
        for (const bool in_old : {false, true})
            for (const Zone::Sum& s : (in_old ? *old.zone : *cur.zone).sums())
                for (const size_t ia : joined_of(s.a, in_old))
                    for (const size_t ib : joined_of(s.b, in_old)) {
                        if (z.full()) return sums;
                        const uint32_t a = nodes[ia].sym, b = nodes[ib].sym;
                        if (a == b) continue;
                        const std::pair key{std::min(a, b), std::max(a, b)};
                        if (std::find(done.begin(), done.end(), key) != done.end()) continue;
                        SideValue o = value_of_sum(nodes[ia], nodes[ib], true);
                        SideValue c = value_of_sum(nodes[ia], nodes[ib], false);
                        if (!o.sum || !c.sum) continue;
                        done.push_back(key);
                        const uint32_t y = z.fresh();
                        nodes.push_back({y, std::move(o), std::move(c)});
                        sums.push_back({y, a, b});
                    }
    return sums;
}

// The joined zone; `pairs` are the joined registers with their terms in each state.
Zone join_zones(const AbstractState& old, const AbstractState& cur,
                std::vector<std::pair<std::pair<ZoneTerm, ZoneTerm>, RegState*>>& pairs, bool widen,
                const Thresholds& t) {
    Zone z;
    std::map<std::pair<uint32_t, uint32_t>, uint32_t> syms; // (old sym, cur sym) -> result symbol
    std::vector<Node> nodes;
    ZoneTerm zero_o, len_o;
    zero_o.sym = Zone::kZero;
    zero_o.lo = zero_o.hi = 0;
    len_o.sym = Zone::kLen;
    nodes.push_back({Zone::kZero, {zero_o, {}}, {zero_o, {}}});
    nodes.push_back({Zone::kLen, {len_o, {}}, {len_o, {}}});
    for (auto& [terms, reg] : pairs) {
        const auto& [o, c] = terms;
        if (!o.sym && !c.sym) continue;
        if (o.sym == Zone::kLen && c.sym == Zone::kLen && o.delta == 0 && c.delta == 0) { // the length itself
            if (reg->type == RegType::Scalar) reg->sym = Zone::kLen;
            continue;
        }
        if (o.sym == Zone::kZero && c.sym == Zone::kZero && o.delta == c.delta) continue; // constant start
        const bool pair = o.sym && c.sym && o.delta == 0 && c.delta == 0;
        if (z.full() && !(pair && syms.contains({o.sym, c.sym}))) { // no room (Zone::kMaxSymbols):
            reg->sym = 0;                                         // this value keeps its bounds only
            continue;
        }
        if (pair) { // the same pair of values: one symbol
            auto [it, added] = syms.try_emplace({o.sym, c.sym}, 0);
            if (added) {
                it->second = z.fresh();
                nodes.push_back({it->second, {o, {}}, {c, {}}});
            }
            reg->sym = it->second;
            continue;
        }
        reg->sym = z.fresh();
        nodes.push_back({reg->sym, {o, {}}, {c, {}}});
    }
    const std::vector<Zone::Sum> sums = join_sums(old, cur, z, nodes);
    for (size_t a = 0; a < nodes.size(); ++a)
        for (size_t b = 0; b < nodes.size(); ++b) {
            if (a == b) continue;
            const int64_t bo = side_bound(old.zone, nodes[a].o, nodes[b].o);
            const int64_t bc = side_bound(cur.zone, nodes[a].c, nodes[b].c);
            int64_t joined = std::max(bo, bc);
            if (widen && joined > bo) joined = nodes[b].sym == Zone::kLen ? t.len_gap_above(joined) : Zone::kInf;
            if (joined != Zone::kInf) z.set_raw(nodes[a].sym, nodes[b].sym, joined);
        }
    // A widened zone stays as built, not closed: closing it would bring back through a
    // third value a bound widening just dropped, a little larger each round (off - records
    // through off - l and l - records in a TLV walk), and the head would never stabilise
    // (Miné: widen the unclosed iterate). Its constraints all hold; the state explored
    // from the head is closed (Analyzer::run), the head's own copy only meets arrivals.
    if (!widen) z.close();
    for (const Zone::Sum& s : sums) z.define_sum(s.y, s.a, s.b);
    return z;
}

} // namespace

Thresholds::Thresholds(const isa::Program& program) {
    auto add = [&](int64_t v) {
        for (int64_t d = -1; d <= 1; ++d) {
            signed_.push_back(v + d);
            unsigned_.push_back(uint64_t(v + d));
        }
    };
    add(0);
    add(0xff);
    add(0xffff);
    add(int64_t(1) << 28); // ebpfjit/limits.hpp kMaxMemSize + 1
    add(int64_t(1) << 29);
    add(0x7fffffff);
    add(0xffffffffLL);
    // The constant a register compared at `pc` was just given (clang often compares with
    // a register: `r7 = 127; if r7 > r3`): the closest write to it in the few
    // instructions before, if that is `mov reg, imm`. Only a hint for widening.
    auto constant_before = [&](size_t pc, uint8_t reg) -> std::optional<int32_t> {
        for (size_t back = 1; back <= 8 && back <= pc; ++back) {
            const isa::Instruction& insn = program.insns[pc - back];
            if (const auto* a = std::get_if<isa::Alu>(&insn)) {
                if (a->dst.n != reg) continue;
                const auto* imm = std::get_if<isa::Imm>(&a->src);
                if (a->op == isa::AluOp::Mov && imm) return imm->v;
                return std::nullopt;
            }
            if (const auto* l = std::get_if<isa::Load>(&insn); l && l->dst.n != reg) continue;
            if (std::holds_alternative<isa::Store>(insn)) continue;
            return std::nullopt; // anything else may write it or jump here
        }
        return std::nullopt;
    };
    for (size_t pc = 0; pc < program.insns.size(); ++pc) {
        const auto* j = std::get_if<isa::Jump>(&program.insns[pc]);
        if (!j || j->cond == isa::Cond::Always) continue;
        std::optional<int32_t> c;
        if (const auto* imm = std::get_if<isa::Imm>(&j->src)) c = imm->v;
        else if (const auto* r = std::get_if<isa::Reg>(&j->src)) {
            c = constant_before(pc, r->n);
            if (!c) c = constant_before(pc, j->dst.n);
        }
        if (!c) continue;
        add(*c);
        if (j->is32) add(int64_t(uint32_t(*c)));
    }
    std::sort(unsigned_.begin(), unsigned_.end());
    std::sort(signed_.begin(), signed_.end());
}

void Thresholds::note_len_gap(int64_t c) {
    auto it = std::lower_bound(len_gaps_.begin(), len_gaps_.end(), c);
    if ((it != len_gaps_.end() && *it == c) || len_gaps_.size() >= kMaxLenGaps) return;
    len_gaps_.insert(it, c);
}

int64_t Thresholds::len_gap_above(int64_t c) const {
    auto it = std::lower_bound(len_gaps_.begin(), len_gaps_.end(), c);
    return it == len_gaps_.end() ? Zone::kInf : *it;
}

uint64_t Thresholds::above(uint64_t v) const {
    auto it = std::lower_bound(unsigned_.begin(), unsigned_.end(), v);
    return it == unsigned_.end() ? ~0ULL : *it;
}
uint64_t Thresholds::below(uint64_t v) const {
    auto it = std::upper_bound(unsigned_.begin(), unsigned_.end(), v);
    return it == unsigned_.begin() ? 0 : *(it - 1);
}
int64_t Thresholds::above_signed(int64_t v) const {
    auto it = std::lower_bound(signed_.begin(), signed_.end(), v);
    return it == signed_.end() ? std::numeric_limits<int64_t>::max() : *it;
}
int64_t Thresholds::below_signed(int64_t v) const {
    auto it = std::upper_bound(signed_.begin(), signed_.end(), v);
    return it == signed_.begin() ? std::numeric_limits<int64_t>::min() : *(it - 1);
}

Scalar join_scalar(const Scalar& a, const Scalar& b) {
    Scalar r;
    r.bits = a.bits.union_(b.bits);
    r.umin = std::min(a.umin, b.umin);
    r.umax = std::max(a.umax, b.umax);
    r.smin = std::min(a.smin, b.smin);
    r.smax = std::max(a.smax, b.smax);
    r.u32min = std::min(a.u32min, b.u32min);
    r.u32max = std::max(a.u32max, b.u32max);
    r.s32min = std::min(a.s32min, b.s32min);
    r.s32max = std::max(a.s32max, b.s32max);
    if (!r.normalize()) return Scalar::unknown(); // cannot happen for two non-empty sets
    return r;
}

Scalar widen_scalar(const Scalar& old, const Scalar& joined, const Thresholds& t) {
    Scalar r = joined;
    // Known bits the join lost: every bit from the lowest of them up becomes unknown, and
    // the widened bounds give back the high zero bits. Otherwise the tnum, one bit lost per
    // join, holds the bounds back from their thresholds (normalize intersects the two),
    // and a counter climbs 2^k - 1 one round at a time: up to 64 rounds of the loop's body
    // per value (a record count in a TLV walk). The bits below stay (an i += 4 stride).
    if (const uint64_t lost = joined.bits.mask & ~old.bits.mask) {
        const uint64_t from = ~((lost & (~lost + 1)) - 1);
        r.bits.mask |= from;
        r.bits.value &= ~from;
    }
    if (joined.umax > old.umax) r.umax = t.above(joined.umax);
    if (joined.umin < old.umin) r.umin = t.below(joined.umin);
    if (joined.smax > old.smax) r.smax = t.above_signed(joined.smax);
    if (joined.smin < old.smin) r.smin = t.below_signed(joined.smin);
    if (joined.u32max > old.u32max) r.u32max = uint32_t(std::min<uint64_t>(t.above(joined.u32max), 0xffffffffULL));
    if (joined.u32min < old.u32min) r.u32min = uint32_t(std::min<uint64_t>(t.below(joined.u32min), 0xffffffffULL));
    if (joined.s32max > old.s32max)
        r.s32max = int32_t(std::clamp<int64_t>(t.above_signed(joined.s32max), INT32_MIN, INT32_MAX));
    if (joined.s32min < old.s32min)
        r.s32min = int32_t(std::clamp<int64_t>(t.below_signed(joined.s32min), INT32_MIN, INT32_MAX));
    if (!r.normalize()) return joined;
    return r;
}

std::optional<AbstractState> join_states(const AbstractState& old, const AbstractState& cur, const LiveMasks& live,
                                         bool widen, const Thresholds& t, const std::function<uint32_t()>& fresh_id) {
    if (old.frames.size() != cur.frames.size() || old.refs.size() != cur.refs.size() ||
        old.lock.has_value() != cur.lock.has_value())
        return std::nullopt;
    Joiner j{widen, t, fresh_id, {}, {}};
    AbstractState r;
    r.pc = cur.pc;
    r.parent = cur.parent;
    r.history = cur.history;
    r.callback_runs = std::max(old.callback_runs, cur.callback_runs);
    // References keep the old state's ids (each must be the same acquisition).
    for (size_t i = 0; i < old.refs.size(); ++i) {
        const auto &o = old.refs[i], &c = cur.refs[i];
        if (o.kind != c.kind || o.acquired_at != c.acquired_at || o.callback_frame != c.callback_frame)
            return std::nullopt;
        j.ids[{o.id, c.id}] = o.id;
        r.refs.push_back(o);
    }
    if (old.lock) {
        if (old.lock->map != cur.lock->map || (old.lock->id == 0) != (cur.lock->id == 0)) return std::nullopt;
        r.lock = old.lock;
        r.lock->id = j.map_id(old.lock->id, cur.lock->id);
    }
    std::vector<std::pair<std::pair<ZoneTerm, ZoneTerm>, RegState*>> pairs;
    r.frames.resize(old.frames.size());
    for (size_t f = 0; f < old.frames.size(); ++f) {
        const FrameState &of = old.frames[f], &cf = cur.frames[f];
        if (of.callsite != cf.callsite || of.subprogram != cf.subprogram || of.in_callback != cf.in_callback)
            return std::nullopt;
        FrameState& rf = r.frames[f];
        rf.callsite = cf.callsite;
        rf.subprogram = cf.subprogram;
        rf.in_callback = cf.in_callback;
        rf.caller_stacks = cf.caller_stacks;
        for (uint8_t n = 0; n < isa::kNumRegisters; ++n) {
            if (f < live.size() && !((live[f] >> n) & 1)) continue; // dead: uninitialised
            rf.regs[n] = j.value(of.regs[n], cf.regs[n]);
            for (auto& p : j.pairs_pending) pairs.push_back({p, &rf.regs[n]});
        }
        const auto &os = of.stack.slots(), &cs = cf.stack.slots();
        auto& rs = rf.stack.slots();
        rs.resize(std::max(os.size(), cs.size()));
        static const StackSlot kEmpty{};
        for (size_t i = 0; i < rs.size(); ++i) {
            const StackSlot& o = i < os.size() ? os[i] : kEmpty;
            const StackSlot& c = i < cs.size() ? cs[i] : kEmpty;
            StackSlot& out = rs[i];
            out.narrow = 0;
            if (o.is_spill() && c.is_spill()) {
                out.spilled = j.value(o.spilled, c.spilled);
                if (out.spilled.type != RegType::NotInit) {
                    out.bytes.fill(ByteKind::Spill);
                    for (auto& p : j.pairs_pending) pairs.push_back({p, &out.spilled});
                    continue;
                }
            }
            const bool os_scalar = o.is_spill() && o.spilled.is_scalar();
            const bool cs_scalar = c.is_spill() && c.spilled.is_scalar();
            // A spilled pointer met by anything but a pointer it joins with: its bytes would
            // become Invalid, which a read may take as never written (zeroed at frame entry,
            // allow_uninit_stack) and so copy the pointer out as data. Not joined: the arrival
            // is a shape of its own (the pipeline fuzzer's leak through a copy loop).
            if ((o.is_spill() && !os_scalar) || (c.is_spill() && !cs_scalar)) return std::nullopt;
            for (size_t b = 0; b < 8; ++b) out.bytes[b] = join_byte(o.bytes[b], c.bytes[b], os_scalar, cs_scalar);
            out.spilled = RegState{};
            if (o.narrow && o.narrow == c.narrow) { // two narrow spills of one size: their join
                RegState v = j.value(o.spilled, c.spilled);
                if (v.is_scalar()) {
                    out.spilled = v;
                    out.narrow = o.narrow;
                    for (auto& p : j.pairs_pending) pairs.push_back({p, &out.spilled});
                }
            }
        }
    }
    // The zone: one symbol per pair of old and current terms, bounded by the weaker of
    // the two states' bounds (and, widening, dropped where it grew, or against the length
    // moved to the next gap an access needed).
    if (old.zone || cur.zone) r.zone = join_zones(old, cur, pairs, widen, t);
    return r;
}

} // namespace ebpfjit::verifier
