#include "verifier/stack_liveness.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include "isa/liveness.hpp"

namespace ebpfjit::verifier {

namespace {

using namespace isa;

// What a register may hold, as far as the current frame's stack is concerned (4 bytes:
// one per register and slot is kept while the analysis runs).
struct Val {
    enum Kind : uint8_t { Bottom, None, Fixed, Any } kind = Bottom; // Fixed: r10 + off
    int16_t off = 0;
    friend bool operator==(const Val&, const Val&) = default;
};
constexpr Val kNone{Val::None, 0};
constexpr Val kAny{Val::Any, 0};

Val join(Val a, Val b) {
    if (a.kind == Val::Bottom) return b;
    if (b.kind == Val::Bottom) return a;
    if (a == b) return a;
    return kAny; // stack and not, or two offsets: some stack pointer
}

using Regs = std::array<Val, kNumRegisters>;

bool join_into(Regs& into, const Regs& from) {
    bool changed = false;
    for (size_t r = 0; r < into.size(); ++r) {
        const Val j = join(into[r], from[r]);
        if (!(j == into[r])) {
            into[r] = j;
            changed = true;
        }
    }
    return changed;
}

bool is_stack(Val v) { return v.kind == Val::Fixed || v.kind == Val::Any; }

// Slots holding any byte of [lo, hi) (offsets from r10, clipped to the frame).
uint64_t slots_of(int64_t lo, int64_t hi) {
    lo = std::max<int64_t>(lo, -int64_t(kStackSize));
    hi = std::min<int64_t>(hi, 0);
    uint64_t m = 0;
    for (int64_t b = lo; b < hi; ++b) m |= uint64_t{1} << ((-b - 1) / 8);
    return m;
}

// The register values after `insn` (calls and exits excepted: the caller handles them).
void transfer(const Instruction& insn, Regs& r) {
    if (const auto* a = std::get_if<Alu>(&insn)) {
        Val& d = r[a->dst.n];
        const auto* src_reg = std::get_if<Reg>(&a->src);
        const auto* imm = std::get_if<Imm>(&a->src);
        if (a->op == AluOp::Mov && a->is64 && src_reg) {
            d = r[src_reg->n];
        } else if (a->op == AluOp::Mov || a->op == AluOp::MovSx8 || a->op == AluOp::MovSx16 ||
                   a->op == AluOp::MovSx32) {
            d = src_reg && is_stack(r[src_reg->n]) ? kAny : kNone; // a partial copy: a number
        } else if (d.kind == Val::Fixed && a->is64 && imm && (a->op == AluOp::Add || a->op == AluOp::Sub)) {
            const int64_t off = int64_t(d.off) + (a->op == AluOp::Add ? int64_t(imm->v) : -int64_t(imm->v));
            if (off < -int64_t(kStackSize) * 4 || off > int64_t(kStackSize) * 4) d = kAny; // out of the frame: the verifier's
            else d.off = int16_t(off);
        } else if (is_stack(d) || (src_reg && is_stack(r[src_reg->n]))) {
            d = kAny; // pointer arithmetic with a register, or anything the verifier judges
        } else {
            d = kNone;
        }
    } else if (const auto* l = std::get_if<Load>(&insn)) {
        r[l->dst.n] = kNone; // no stack pointer is ever in memory (else the analysis is off)
    } else if (const auto* l = std::get_if<LoadImm64>(&insn)) {
        r[l->dst.n] = kNone;
    } else if (const auto* at = std::get_if<Atomic>(&insn)) {
        if (at->op == AtomicOp::CmpXchg) r[0] = kNone;
        else if (at->fetch || at->op == AtomicOp::Xchg) r[at->src.n] = kNone;
    } else if (std::holds_alternative<PacketLoad>(insn)) {
        for (uint8_t n = 0; n <= 5; ++n) r[n] = kNone;
    }
    // Endian keeps the kind of its register: a byte swap of a pointer is the verifier's
    // rejection; either way nothing new becomes a stack pointer.
    if (const auto* e = std::get_if<Endian>(&insn)) r[e->dst.n] = is_stack(r[e->dst.n]) ? kAny : r[e->dst.n];
}

struct Sub {
    int32_t start, end;
};

} // namespace

StackLiveness::StackLiveness(const Program& program, const std::vector<int32_t>& starts,
                             const helpers::HelperTable* helpers) {
    const size_t n = program.size();
    live_in_.assign(n, kAll);
    escapes_.assign(n, 0);
    std::vector<Sub> subs;
    for (size_t i = 0; i < starts.size(); ++i)
        subs.push_back({starts[i], i + 1 < starts.size() ? starts[i + 1] : int32_t(n)});
    if (subs.empty() || n == 0) return;
    auto sub_of = [&](int64_t pc) -> std::optional<size_t> {
        for (size_t s = 0; s < subs.size(); ++s)
            if (pc >= subs[s].start && pc < subs[s].end) return s;
        return std::nullopt;
    };
    auto helper_of = [&](const Call& c) -> const helpers::Helper* {
        return helpers && c.kind == CallKind::Helper ? helpers->find(c.imm) : nullptr;
    };
    auto takes_callback = [&](const helpers::Helper* h) {
        return !h || std::find(h->proto.args.begin(), h->proto.args.end(), helpers::ArgType::PtrToFunc) !=
                         h->proto.args.end();
    };

    // Entry values per subprogram: the program's r1..r5 are data; a callee's arguments
    // are "some stack pointer" where a call site may pass one; a callback's may all be.
    std::vector<Regs> entry(subs.size());
    for (Regs& e : entry) e.fill(Val{});
    auto entry_regs = [&](Regs args) {
        for (size_t r = 0; r < kNumRegisters; ++r)
            if (r == 0 || r > 5) args[r] = kNone;
        args[kFramePointer] = Val{Val::Fixed, 0};
        return args;
    };
    Regs data;
    data.fill(kNone);
    entry[0] = entry_regs(data);
    for (size_t pc = 0; pc < n; ++pc)
        if (const auto* l = std::get_if<LoadImm64>(&program.insns[pc]); l && l->kind == LddwKind::CodeAddr)
            if (auto s = sub_of(int64_t(pc) + 1 + l->imm)) {
                Regs any;
                any.fill(kAny);
                entry[*s] = entry_regs(any);
            }

    // Forward: register values before each slot, subprograms to a fixed point (a call site
    // can widen its callee's entry).
    std::vector<Regs> before(n);
    for (Regs& b : before) b.fill(Val{});
    // Each round moves entry values at least one call deeper, and each entry register
    // changes at most twice: the cap is never reached by a program the structural check
    // admits (8 frames); if it were, nothing would be known.
    bool again = true;
    std::vector<uint8_t> queued(n, 0); // all 0 again whenever a worklist has drained
    for (int round = 0; again && round < 64; ++round) {
        again = false;
        for (size_t s = 0; s < subs.size(); ++s) {
            if (entry[s][kFramePointer].kind == Val::Bottom) continue;
            std::vector<size_t> work{size_t(subs[s].start)};
            join_into(before[size_t(subs[s].start)], entry[s]);
            while (!work.empty()) {
                const size_t pc = work.back();
                work.pop_back();
                queued[pc] = 0;
                Regs r = before[pc];
                const Instruction& insn = program.insns[pc];
                if (const auto* c = std::get_if<Call>(&insn)) {
                    if (c->kind == CallKind::Local) {
                        if (auto callee = sub_of(c->target)) {
                            Regs args = r;
                            for (Val& v : args) v = is_stack(v) ? kAny : (v.kind == Val::Bottom ? kNone : v);
                            Regs e = entry_regs(args);
                            if (join_into(entry[*callee], e)) again = true;
                        }
                    }
                    bool escaped = false;
                    for (uint8_t a = 1; a <= 5; ++a) escaped |= is_stack(r[a]);
                    for (uint8_t a = 0; a <= 5; ++a) r[a] = kNone;
                    // A callee may hand back a pointer into a frame it was given.
                    if (c->kind == CallKind::Local && escaped) r[0] = kAny;
                } else if (std::holds_alternative<CallX>(insn)) {
                    for (uint8_t a = 0; a <= 5; ++a) r[a] = kNone;
                } else {
                    transfer(insn, r);
                }
                for_each_successor(program, pc, [&](size_t next) {
                    if (join_into(before[next], r) && !queued[next]) {
                        queued[next] = 1;
                        work.push_back(next);
                    }
                });
            }
        }
    }

    if (again) {
        enabled_ = false;
        return;
    }

    // Use / def of each slot, and whether the analysis holds at all.
    std::vector<uint64_t> use(n, 0), def(n, 0);
    for (size_t pc = 0; pc < n; ++pc) {
        const Regs& r = before[pc];
        if (r[kFramePointer].kind == Val::Bottom) continue; // unreachable
        auto access = [&](uint8_t base, int32_t off, uint32_t size) -> uint64_t {
            const Val v = r[base];
            if (v.kind == Val::Any) return kAll;
            if (v.kind != Val::Fixed) return 0;
            return slots_of(int64_t(v.off) + off, int64_t(v.off) + off + size);
        };
        const Instruction& insn = program.insns[pc];
        if (const auto* l = std::get_if<Load>(&insn)) {
            use[pc] = access(l->base.n, l->off, uint32_t(l->size));
        } else if (const auto* st = std::get_if<Store>(&insn)) {
            if (const auto* src = std::get_if<Reg>(&st->src); src && r[src->n].kind != Val::None)
                enabled_ = false; // a stack pointer (or what may be one) goes into memory
            const Val b = r[st->base.n];
            const int64_t at = int64_t(b.off) + st->off;
            if (b.kind == Val::Fixed && st->size == Size::DW && at % 8 == 0 && at < 0 && at >= -int64_t(kStackSize))
                def[pc] = uint64_t{1} << ((-at - 1) / 8);
        } else if (const auto* at = std::get_if<Atomic>(&insn)) {
            if (r[at->src.n].kind != Val::None || (at->op == AtomicOp::CmpXchg && r[0].kind != Val::None))
                enabled_ = false;
            use[pc] = access(at->base.n, at->off, at->is64 ? 8 : 4);
        } else if (const auto* c = std::get_if<Call>(&insn)) {
            const helpers::Helper* h = helper_of(*c);
            const bool callee_frame = c->kind == CallKind::Local || (c->kind == CallKind::Helper && takes_callback(h));
            for (uint8_t a = 1; a <= 5; ++a) {
                const Val v = r[a];
                if (!is_stack(v)) continue;
                if (callee_frame) {
                    escapes_[pc] = 1;
                    use[pc] = kAll;
                } else if (v.kind == Val::Any) {
                    use[pc] = kAll;
                } else {
                    use[pc] |= slots_of(v.off, 0); // a helper reads upward from its pointer
                }
            }
        } else if (std::holds_alternative<CallX>(insn)) {
            for (uint8_t a = 1; a <= 5; ++a)
                if (is_stack(r[a])) use[pc] = kAll;
        }
    }
    if (!enabled_) return;

    // Backward, within each subprogram (calls return to the next slot), by worklist: each
    // slot's mask only grows, 64 bits at most.
    std::vector<uint32_t> pred_start(n + 1, 0), preds;
    for (size_t pc = 0; pc < n; ++pc) for_each_successor(program, pc, [&](size_t next) { ++pred_start[next + 1]; });
    for (size_t pc = 0; pc < n; ++pc) pred_start[pc + 1] += pred_start[pc];
    preds.resize(pred_start[n]);
    std::vector<uint32_t> fill(pred_start.begin(), pred_start.end() - 1);
    for (size_t pc = 0; pc < n; ++pc)
        for_each_successor(program, pc, [&](size_t next) { preds[fill[next]++] = uint32_t(pc); });
    std::fill(live_in_.begin(), live_in_.end(), 0);
    std::vector<uint32_t> work;
    for (size_t pc = 0; pc < n; ++pc) {
        work.push_back(uint32_t(pc)); // popped from the end: the last slot first
        queued[pc] = 1;
    }
    while (!work.empty()) {
        const uint32_t pc = work.back();
        work.pop_back();
        queued[pc] = 0;
        uint64_t out = 0;
        for_each_successor(program, pc, [&](size_t next) { out |= live_in_[next]; });
        const uint64_t in = use[pc] | (out & ~def[pc]);
        if (in == live_in_[pc]) continue;
        live_in_[pc] = in;
        for (uint32_t k = pred_start[pc]; k < pred_start[pc + 1]; ++k)
            if (!queued[preds[k]]) {
                queued[preds[k]] = 1;
                work.push_back(preds[k]);
            }
    }
}

} // namespace ebpfjit::verifier
