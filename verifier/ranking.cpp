// Termination by a ranking argument (ranking.hpp says what is proven and why it suffices).
#include "verifier/ranking.hpp"

#include <algorithm>
#include <array>
#include <deque>
#include <limits>
#include <vector>

#include "isa/cfg.hpp"
#include "isa/liveness.hpp"

namespace ebpfjit::verifier {

namespace {

constexpr size_t kRegs = 11; // r0..r10
// Deltas beyond this are not followed (no overflow in the sums below).
constexpr int64_t kMaxDelta = int64_t(1) << 40;
// Visits of a slot before a value that still changes there is given up (an inner cycle
// without a recorded head that moves the register).
constexpr uint32_t kWidenAfter = 8;
constexpr uint64_t kU32Max = 0xffffffffULL;
constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();

// A register's value on a path from the loop head H: it grew from `base`'s value at H by
// at least `grow`, and differs from what register `anchor_reg` held at the last head the
// path passed (`anchor`) by exactly [lo, hi]. base < 0: nothing known; anchor < 0: the
// exact part is lost (paths from different heads met), so no add can be proven not to wrap.
struct Value {
    int8_t base = -1;
    int64_t grow = 0;
    int32_t anchor = -1;
    uint8_t anchor_reg = 0;
    int64_t lo = 0, hi = 0;
    bool known() const { return base >= 0; }
    friend bool operator==(const Value&, const Value&) = default;
};
using Regs = std::array<Value, kRegs>;

Value join(const Value& a, const Value& b) {
    if (!a.known() || !b.known() || a.base != b.base) return {};
    Value out{a.base, std::min(a.grow, b.grow)};
    if (a.anchor >= 0 && a.anchor == b.anchor && a.anchor_reg == b.anchor_reg) {
        out.anchor = a.anchor;
        out.anchor_reg = a.anchor_reg;
        out.lo = std::min(a.lo, b.lo);
        out.hi = std::max(a.hi, b.hi);
    }
    return out;
}

// The exact part must keep the anchor's value + [lo, hi] within [0, limit]: checked once
// the anchor's head states are at hand.
struct NoWrap {
    int8_t base; // the register at H the value grew from: only its checks matter for it
    int32_t anchor;
    uint8_t reg;
    int64_t lo, hi;
    uint64_t limit;
};

} // namespace

LoopBodies::LoopBodies(const isa::Program& program) : program_(program), preds_(program.size()) {
    for (size_t pc = 0; pc < program.size(); ++pc)
        isa::for_each_successor(program, pc, [&](size_t next) { preds_[next].push_back(uint32_t(pc)); });
}

// Reachable from `head` and reaching it, both in one step or more, through slots at or
// above it only (the cycles whose lowest slot it is: ranking.hpp says why these suffice).
// The backward search goes first: every slot on a path from the head to a slot that
// reaches the head reaches the head too, so the forward search need not leave the slots
// the backward one found (a forward search alone ran over the rest of the program).
std::vector<bool> LoopBodies::of(uint32_t head) const {
    const size_t n = program_.size();
    auto walk = [&](auto&& neighbours, auto&& allowed) {
        std::vector<bool> seen(n, false);
        std::vector<size_t> stack;
        auto visit = [&](size_t m) {
            if (m >= head && !seen[m] && allowed(m)) seen[m] = true, stack.push_back(m);
        };
        neighbours(head, visit);
        while (!stack.empty()) {
            const size_t pc = stack.back();
            stack.pop_back();
            neighbours(pc, visit);
        }
        return seen;
    };
    const auto backward = walk(
        [&](size_t pc, auto&& f) {
            for (uint32_t p : preds_[pc]) f(p);
        },
        [](size_t) { return true; });
    return walk([&](size_t pc, auto&& f) { isa::for_each_successor(program_, pc, f); },
                [&](size_t m) { return bool(backward[m]); });
}

const std::vector<bool>& LoopBodyCache::of(uint32_t head) {
    if (!bodies_) {
        bodies_.emplace(program_);
        by_head_.resize(program_.size());
    }
    if (by_head_[head].empty()) by_head_[head] = bodies_->of(head);
    return by_head_[head];
}

bool LoopBodies::is_lowest_on_a_cycle(uint32_t head) const {
    std::vector<bool> seen(program_.size(), false);
    std::vector<size_t> stack{head};
    bool back = false;
    while (!stack.empty() && !back) {
        const size_t pc = stack.back();
        stack.pop_back();
        isa::for_each_successor(program_, pc, [&](size_t m) {
            if (m == head) back = true;
            if (m > head && !seen[m]) seen[m] = true, stack.push_back(m);
        });
    }
    return back;
}

std::vector<uint32_t> cycle_heads(const isa::Program& program) {
    std::vector<bool> target(program.size(), false);
    for (size_t pc = 0; pc < program.size(); ++pc)
        if (const auto* j = std::get_if<isa::Jump>(&program.insns[pc]); j && j->target >= 0 && j->target <= int64_t(pc))
            target[size_t(j->target)] = true;
    const LoopBodies bodies(program);
    std::vector<uint32_t> heads;
    for (size_t pc = 0; pc < program.size(); ++pc)
        if (target[pc] && bodies.is_lowest_on_a_cycle(uint32_t(pc))) heads.push_back(uint32_t(pc));
    return heads;
}

namespace {

class LoopValues {
public:
    LoopValues(const isa::Program& program, uint32_t head, const std::vector<bool>& body, const HeadStates& head_states)
        : program_(program), head_(head), body_(body), head_states_(head_states) {
        in_.resize(program.size());
        reached_.assign(program.size(), false);
        visits_.assign(program.size(), 0);
    }

    // The registers on arrival back at the head (over every path), or nothing if no path
    // from the head returns to it.
    std::optional<Regs> solve() {
        in_[head_] = anchored_at(head_, identity());
        reached_[head_] = true;
        std::deque<size_t> work{head_};
        std::optional<Regs> back;
        while (!work.empty()) {
            const size_t pc = work.front();
            work.pop_front();
            const Regs out = transfer(pc, in_[pc]);
            isa::for_each_successor(program_, pc, [&](size_t next) {
                if (!body_[next]) return;
                if (next == head_) {
                    back = back ? join_all(*back, out, false) : out;
                    return;
                }
                const Regs arriving = anchored_at(next, out);
                if (!reached_[next]) {
                    reached_[next] = true;
                    in_[next] = arriving;
                    work.push_back(next);
                    return;
                }
                const Regs joined = join_all(in_[next], arriving, ++visits_[next] > kWidenAfter);
                if (joined != in_[next]) {
                    in_[next] = joined;
                    work.push_back(next);
                }
            });
        }
        return back;
    }
    const std::vector<NoWrap>& no_wraps() const { return no_wraps_; }

private:
    static Regs identity() {
        Regs regs;
        for (size_t r = 0; r < kRegs; ++r) regs[r] = {int8_t(r), 0, -1, 0, 0, 0};
        return regs;
    }

    // Arriving at a head whose states the loop pass kept, every register's exact part
    // starts again from what those states bound; the growth since H is kept.
    Regs anchored_at(size_t pc, Regs regs) const {
        if (head_states_(uint32_t(pc)).empty()) return regs;
        for (size_t r = 0; r < kRegs; ++r)
            if (regs[r].known()) regs[r] = {regs[r].base, regs[r].grow, int32_t(pc), uint8_t(r), 0, 0};
        return regs;
    }

    static Regs join_all(const Regs& a, const Regs& b, bool widen) {
        Regs out;
        for (size_t r = 0; r < kRegs; ++r) {
            out[r] = join(a[r], b[r]);
            if (widen && out[r] != a[r]) out[r] = {};
        }
        return out;
    }

    // The value + c (its exact part checked against `limit`), or nothing when that part
    // is lost or grows too large to follow.
    Value shifted(const Value& v, int64_t c, uint64_t limit) {
        if (!v.known() || v.anchor < 0) return {};
        const Value out{v.base, v.grow + c, v.anchor, v.anchor_reg, v.lo + c, v.hi + c};
        if (out.lo < -kMaxDelta || out.hi > kMaxDelta || out.grow < -kMaxDelta) return {};
        no_wraps_.push_back({out.base, out.anchor, out.anchor_reg, out.lo, out.hi, limit});
        return out;
    }
    // A 32-bit operation reads the value's low half: the value itself if below 2^32.
    Value below_2_32(const Value& v) {
        if (!v.known() || v.anchor < 0) return {};
        no_wraps_.push_back({v.base, v.anchor, v.anchor_reg, v.lo, v.hi, kU32Max});
        return v;
    }

    Regs transfer(size_t pc, Regs regs) {
        const isa::Instruction& insn = program_.insns[pc];
        if (const auto* a = std::get_if<isa::Alu>(&insn)) {
            const uint8_t dst = a->dst.n;
            const auto* src_reg = std::get_if<isa::Reg>(&a->src);
            const auto* imm = std::get_if<isa::Imm>(&a->src);
            if (a->op == isa::AluOp::Mov && src_reg) {
                regs[dst] = a->is64 ? regs[src_reg->n] : below_2_32(regs[src_reg->n]);
                return regs;
            }
            if ((a->op == isa::AluOp::Add || a->op == isa::AluOp::Sub) && imm) {
                const int64_t c = a->op == isa::AluOp::Add ? int64_t(imm->v) : -int64_t(imm->v);
                regs[dst] = a->is64 ? shifted(regs[dst], c, kU64Max) : shifted(below_2_32(regs[dst]), c, kU32Max);
                return regs;
            }
        }
        const isa::UseDef ud = isa::use_def(insn);
        for (size_t r = 0; r < kRegs; ++r)
            if (ud.def & (1u << r)) regs[r] = {};
        return regs;
    }

    const isa::Program& program_;
    const size_t head_;
    const std::vector<bool>& body_;
    const HeadStates& head_states_;
    std::vector<Regs> in_;
    std::vector<bool> reached_;
    std::vector<uint32_t> visits_;
    std::vector<NoWrap> no_wraps_;
};

// r's unsigned range over every head state, if it is a scalar in all of them.
std::optional<std::pair<uint64_t, uint64_t>> head_range(std::span<const AbstractState* const> states, uint8_t r) {
    if (states.empty()) return std::nullopt;
    uint64_t lo = kU64Max, hi = 0;
    for (const AbstractState* s : states) {
        const RegState& reg = s->cur().regs[r];
        if (reg.type != RegType::Scalar) return std::nullopt;
        lo = std::min(lo, reg.var.umin);
        hi = std::max(hi, reg.var.umax);
    }
    return std::pair{lo, hi};
}

} // namespace

std::optional<Facts::RankedLoop> rank_loop(const isa::Program& program, uint32_t head, const std::vector<bool>& body,
                                           const HeadStates& head_states) {
    if (head_states(head).empty()) return std::nullopt;
    LoopValues values(program, head, body, head_states);
    const std::optional<Regs> back = values.solve();
    if (!back) return std::nullopt;
    std::optional<Facts::RankedLoop> best;
    for (uint8_t r = 0; r < isa::kFramePointer; ++r) {
        const Value& v = (*back)[r];
        if (v.base != r || v.grow < 1) continue;
        const auto range = head_range(head_states(head), r);
        if (!range || range->second == kU64Max) continue;
        // Every exact part of r's value that some path relied on stays within its limit.
        const bool exact = std::all_of(values.no_wraps().begin(), values.no_wraps().end(), [&](const NoWrap& w) {
            if (w.base != r) return true;
            const auto at = head_range(head_states(uint32_t(w.anchor)), w.reg);
            return at && __int128(at->first) + w.lo >= 0 && __int128(at->second) + w.hi <= __int128(w.limit);
        });
        if (!exact) continue;
        const auto [lo, hi] = *range;
        const uint64_t trips = (hi - lo) / uint64_t(v.grow) + 1;
        if (!best || trips < best->max_trips) best = Facts::RankedLoop{head, r, uint64_t(v.grow), trips};
    }
    return best;
}

namespace {

// Counts saturate here: far above any bound that matters, and sums of two cannot overflow.
constexpr uint64_t kCountCap = uint64_t(1) << 62;
uint64_t saturating_mul(uint64_t a, uint64_t b) {
    return (b != 0 && a > kCountCap / b) ? kCountCap : std::min(a * b, kCountCap);
}
uint64_t saturating_add(uint64_t a, uint64_t b) { return std::min(a + b, kCountCap); }

} // namespace

std::optional<uint64_t> run_length_bound(const isa::Program& program, const std::vector<bool>& reachable,
                                         std::span<const Facts::RankedLoop> ranked,
                                         std::span<const std::vector<bool>> bodies) {
    const size_t n = program.size();
    std::vector<uint64_t> per_call(n, 1); // executions of a slot per call of its subprogram
    for (size_t l = 0; l < ranked.size(); ++l)
        for (size_t pc = 0; pc < n; ++pc)
            if (bodies[l][pc]) per_call[pc] = saturating_mul(per_call[pc], ranked[l].max_trips + 1);
    // Calls of each subprogram: the main one once; a callee as often as its call sites
    // run (callers first: a call goes to a later or earlier subprogram, but never round).
    const size_t subs = program.subprogram_starts.size();
    std::vector<uint64_t> calls(subs, 0);
    std::vector<bool> done(subs, false);
    calls[0] = 1;
    auto calls_of = [&](auto&& self, size_t sub, int depth) -> uint64_t {
        if (done[sub] || depth > int(isa::kMaxCallDepth) + 1) return calls[sub];
        for (size_t pc = 0; pc < n; ++pc) {
            const auto* c = std::get_if<isa::Call>(&program.insns[pc]);
            if (!reachable[pc] || !c || c->kind != isa::CallKind::Local) continue;
            if (isa::subprogram_of(program, c->target) != sub) continue;
            const size_t caller = isa::subprogram_of(program, int32_t(pc));
            calls[sub] = saturating_add(calls[sub], saturating_mul(self(self, caller, depth + 1), per_call[pc]));
        }
        done[sub] = true;
        return calls[sub];
    };
    uint64_t total = 0;
    for (size_t pc = 0; pc < n; ++pc) {
        if (!reachable[pc]) continue;
        if (const auto* l = std::get_if<isa::LoadImm64>(&program.insns[pc]); l && l->kind == isa::LddwKind::CodeAddr)
            return std::nullopt;
        const size_t sub = isa::subprogram_of(program, int32_t(pc));
        const uint64_t runs = sub == 0 ? 1 : calls_of(calls_of, sub, 0);
        total = saturating_add(total, saturating_mul(runs, per_call[pc]));
    }
    return total;
}

} // namespace ebpfjit::verifier
