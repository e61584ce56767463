#include "verifier/stack_liveness.hpp"

#include <algorithm>
#include <array>
#include <climits>
#include <map>
#include <optional>

#include "isa/alu_semantics.hpp"
#include "isa/liveness.hpp"

namespace ebpfjit::verifier {

namespace {

using namespace isa;

// What a register (or a tracked stack slot) may hold, as far as stack frames are concerned
// (6 bytes: one per register and slot is kept while the analysis runs). A pointer is placed
// relative to its base: this frame's r10 (base 0), or the pointer argument rk held when the
// frame was entered (base k: a pointer into a caller's frame, or no stack pointer at all).
//   None: no stack pointer; Fixed: base + off; MaybeFixed: base + off, or no stack pointer
//   (a join of the two: reads through it read where Fixed would, but a store through it
//   overwrites nothing for sure); Range: base + k for some k in [off, hi], or no stack
//   pointer (paths that pass different buffers to one helper call: reads through it read
//   the hull, stores overwrite nothing for sure); Any: some stack pointer, or anything.
// A number (None) may carry bounds (base 1: a value in [off, hi]), so that a pointer moved
// by a small index (`key.addr[i]`, i in 0..3) reads the bytes the index can reach.
struct Val {
    enum Kind : uint8_t { Bottom, None, Fixed, MaybeFixed, Range, Any } kind = Bottom;
    uint8_t base = 0; // Fixed, MaybeFixed, Range: 0 (r10) or the argument register 1..5; None: 1 if bounded
    int16_t off = 0;  // Fixed, MaybeFixed: the offset; Range: the lowest; None: the least value
    int16_t hi = 0;   // Range: the highest offset; None: the greatest value; 0 otherwise
    friend bool operator==(const Val&, const Val&) = default;
};
constexpr Val kNone{Val::None};
constexpr Val kAny{Val::Any};

// A number in [lo, hi]; bounds wider than a frame (or far outside one) are not kept.
Val num(int64_t lo, int64_t hi) {
    const int64_t cap = int64_t(kStackSize) * 4;
    if (lo < -cap || hi > cap || hi - lo > int64_t(kStackSize)) return kNone;
    return Val{Val::None, 1, int16_t(lo), int16_t(hi)};
}
bool bounded(Val v) { return v.kind == Val::None && v.base == 1; }

bool is_offset(Val v) { return v.kind == Val::Fixed || v.kind == Val::MaybeFixed; }
// Some base + k with k in [v.off, top(v)] (is_offset or Range).
bool is_placed(Val v) { return is_offset(v) || v.kind == Val::Range; }
// Placed in this frame (r10-relative), or through an argument (into a caller's frame).
bool in_frame(Val v) { return is_placed(v) && v.base == 0; }
bool via_arg(Val v) { return is_placed(v) && v.base != 0; }
int64_t top(Val v) { return v.kind == Val::Range ? v.hi : v.off; }

// Somewhere in the frame `base` points into, or no stack pointer: a pointer moved by a
// register (the verifier keeps every access through it inside that frame, wherever it
// points), or a range wider than a frame. Reads through it read all of that frame, and no
// other. Its offsets are sentinels that cover any frame, moved or not.
Val whole_frame(uint8_t base) { return Val{Val::Range, base, INT16_MIN, INT16_MAX}; }
bool is_whole_frame(Val v) { return v.kind == Val::Range && v.off == INT16_MIN; }

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

using Regs = std::array<Val, kNumRegisters>;
using ArgReads = StackLiveness::ArgReads;

// Stack slots of the current frame that may hold a spilled stack pointer (the kernel
// keeps a spilled pointer as a register, save_register_state, and an aligned 8-byte load
// brings it back, check_stack_read_fixed_off; exec_memory.cpp does the same). Only
// slots some aligned 8-byte store at r10 + k writes such a value to are tracked; a program
// needing more than kMaxTracked of them gets no slot liveness.
constexpr size_t kMaxTracked = 8;
using Slots = std::array<Val, kMaxTracked>;

template <class A>
bool join_into(A& into, const A& from) {
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

bool is_stack(Val v) { return is_placed(v) || v.kind == Val::Any; }
// May point into this frame.
bool may_be_own(Val v) { return in_frame(v) || v.kind == Val::Any; }

// Slots holding any byte of [lo, hi) (offsets from r10, clipped to the frame).
uint64_t slots_of(int64_t lo, int64_t hi) {
    lo = std::max<int64_t>(lo, -int64_t(kStackSize));
    hi = std::min<int64_t>(hi, 0);
    uint64_t m = 0;
    for (int64_t b = lo; b < hi; ++b) m |= uint64_t{1} << ((-b - 1) / 8);
    return m;
}

// The slot index of an aligned 8-byte access at r10 + at inside the frame, else -1.
int aligned_slot(int64_t at) {
    return at < 0 && at >= -int64_t(kStackSize) && at % 8 == 0 ? int((-at - 1) / 8) : -1;
}

// The tracked slots: index into Slots of frame slot `slot`, or -1.
struct Tracked {
    std::vector<int> slots; // frame slot numbers, at most kMaxTracked
    int find(int slot) const {
        for (size_t i = 0; i < slots.size(); ++i)
            if (slots[i] == slot) return int(i);
        return -1;
    }
};

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

// Bytes [lo, hi) from where each pointer argument of a frame points (r1-r5 at its entry)
// that may hold a spilled stack pointer: tracked slots holding one at some call site, of the
// calling frame or, through its own arguments, further down. lo >= hi: none.
struct Span {
    int32_t lo = 0, hi = 0;
    bool join(int64_t from, int64_t to) { // true if it grew
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
    bool meets(int64_t from, int64_t to) const { return lo < hi && from < hi && lo < to; }
    friend bool operator==(const Span&, const Span&) = default;
};

// `p` placed from `base` instead, `shift` bytes further (a pointer into the frame an
// argument points into, seen from the argument).
Val rebase(Val p, uint8_t base, int64_t shift) {
    if (!is_placed(p)) return p;
    if (is_whole_frame(p)) return whole_frame(base);
    const int64_t lo = p.off + shift, hi = top(p) + shift;
    if (lo < -int64_t(kStackSize) * 4 || hi > int64_t(kStackSize) * 4) return whole_frame(base);
    return Val{p.kind, base, int16_t(lo), p.kind == Val::Range ? int16_t(hi) : int16_t(0)};
}

// Where the bytes a frame's pointer argument (rk at its entry) leads to may hold a spilled
// stack pointer, from the tracked slots of its callers at their calls: an 8-byte slot at a
// known offset from the argument holding a pointer into the same frame (`at`, placed from
// the argument: a caller's struct holding the address of another of its buffers), or bytes
// whose spill is not followed (`unknown`: a load there gives "some stack pointer").
struct ArgSpill {
    static constexpr size_t kMaxAt = 16;
    Span unknown;
    std::vector<std::pair<int32_t, Val>> at;
    friend bool operator==(const ArgSpill&, const ArgSpill&) = default;

    bool add_unknown(int64_t from, int64_t to) { return unknown.join(from, to); }
    bool add(int64_t rel, Val v) { // v: placed from the argument, or anything else
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
    // What an 8-byte load of [from, to) through the argument (`exact`: at `from` itself) gives.
    Val load(int64_t from, int64_t to, bool exact) const {
        if (unknown.meets(from, to)) return kAny;
        Val v = kNone;
        for (const auto& [r, p] : at) {
            if (exact && r == from) v = join(p, kNone); // or data, written over it since
            else if (r < to && from < r + 8) return kAny; // part of it, or one of several
        }
        return v;
    }
};
using ArgSpills = std::array<ArgSpill, 5>;

// The bounds of a number after `op` (64-bit, or 32-bit where every value involved is a
// non-negative number below 2^31, so zero extension changes nothing); kNone if unknown.
Val number_after(AluOp op, bool is64, Val d, Val s) {
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
        if (nonneg && bounded(s) && s.off == s.hi && s.off >= 0 && s.off < 64) out = num(d.off >> s.off, d.hi >> s.off);
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
Val moved(Val p, Val by, bool back) {
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

struct Sub {
    int32_t start, end;
};

using CallArg = StackLiveness::CallArg;

CallArg call_arg(Val v) {
    if (in_frame(v)) return {CallArg::Own, 0, v.off, int32_t(top(v))};
    if (via_arg(v)) return {CallArg::Arg, v.base, v.off, int32_t(top(v))};
    if (v.kind == Val::Any) return {CallArg::Unknown};
    return {};
}

// A callee's reads through its arguments (`above`), seen at a call whose r1-r5 are `args`:
// the calling frame's slots they touch (returned) and the reads through the calling frame's
// own arguments (joined into `below`). Unknown reads go wherever a stack pointer was handed:
// all of this frame if one may point into it, and on down.
uint64_t map_reads(const ArgReads& above, const std::array<CallArg, 5>& args, ArgReads& below) {
    uint64_t own = 0;
    for (size_t k = 0; k < 5; ++k) {
        const CallArg& p = args[k];
        if (above.unknown && p.kind != CallArg::None) {
            below.unknown = true;
            if (p.kind != CallArg::Arg) own = StackLiveness::kAll;
        }
        if (above.lo[k] >= above.hi[k]) continue;
        const int64_t lo = int64_t(p.lo) + above.lo[k], hi = int64_t(p.hi) + above.hi[k];
        switch (p.kind) {
        case CallArg::None: break;
        case CallArg::Own: own |= slots_of(lo, hi); break;
        case CallArg::Arg: below.add(p.arg - 1u, lo, hi); break;
        case CallArg::Unknown:
            own = StackLiveness::kAll;
            below.unknown = true;
            break;
        }
    }
    return own;
}

// The map a helper call at `pc` passes in r1, when the same straight-line code loaded it
// there (`r1 = map_fd N ll` just before the call, as clang emits it); else null.
const maps::MapDefinition* map_in_r1(const Program& program, const std::vector<uint8_t>& jump_target, size_t pc,
                                     const std::vector<maps::MapDefinition>& maps) {
    // (A subprogram's start needs no mark: the one before it ends in exit or ja,
    // structural_check.cpp, where the scan stops.)
    for (size_t k = pc; k > 0 && !jump_target[k];) { // nothing else arrives at k
        const Instruction& insn = program.insns[--k];
        if (std::holds_alternative<LddwSecondSlot>(insn)) continue;
        if (const auto* l = std::get_if<LoadImm64>(&insn); l && l->dst.n == 1) {
            const bool map = l->kind == LddwKind::MapFd || l->kind == LddwKind::MapIdx;
            return map && l->imm >= 0 && size_t(l->imm) < maps.size() ? &maps[size_t(l->imm)] : nullptr;
        }
        const bool control = std::holds_alternative<Jump>(insn) || std::holds_alternative<Call>(insn) ||
                             std::holds_alternative<CallX>(insn) || std::holds_alternative<Exit>(insn);
        if (control || (use_def(insn).def >> 1 & 1)) return nullptr;
    }
    return nullptr;
}

// How many bytes from its pointer a helper reads through argument `arg` (1..5): a map's
// key or value, as the verifier checks them (exec_call.cpp); nullopt: up to the frame's top.
std::optional<int64_t> helper_read_size(const helpers::Helper& h, uint8_t arg, const maps::MapDefinition* map) {
    if (!map || arg > h.proto.args.size()) return std::nullopt;
    switch (h.proto.args[arg - 1]) {
    case helpers::ArgType::PtrToMapKey: return map->key_size;
    case helpers::ArgType::PtrToMapValue:
    case helpers::ArgType::PtrToUninitMapValue: return map->value_size;
    default: return std::nullopt;
    }
}

// What a subprogram returns from a slot on: r0 at its exit is one of `v` (constants set
// on the way), or what register k holds at the slot (bit k of `regs`), or anything
// (`unknown`: a value computed, loaded or returned by a call, a tail call that returns
// from the frame for the program it jumps to). Empty: no exit reached (yet).
constexpr size_t kMaxReturns = 4;
struct Returns {
    bool unknown = false;
    uint16_t regs = 0;
    uint8_t n = 0;
    std::array<uint64_t, kMaxReturns> v{}; // sorted, v[0..n)
    friend bool operator==(const Returns&, const Returns&) = default;

    static Returns anything() {
        Returns r;
        r.unknown = true;
        return r;
    }
    void add(uint64_t x) {
        if (unknown) return;
        const auto end = v.begin() + n;
        const auto at = std::lower_bound(v.begin(), end, x);
        if (at != end && *at == x) return;
        if (n == kMaxReturns) {
            *this = anything();
            return;
        }
        std::copy_backward(at, end, end + 1);
        *at = x;
        ++n;
    }
    void join(const Returns& o) {
        if (o.unknown) *this = anything();
        if (unknown) return;
        regs |= o.regs;
        for (uint8_t i = 0; i < o.n; ++i) add(o.v[i]);
    }
    // Only constants: the caller's branches on them can be decided.
    bool constants() const { return !unknown && regs == 0 && n > 0; }
};

// The returns before `insn`, from those after it (backward).
Returns returns_before(const Instruction& insn, Returns after, bool tail_call) {
    if (std::holds_alternative<Exit>(insn)) {
        Returns r;
        r.regs = 1; // r0
        return r;
    }
    if (tail_call || std::holds_alternative<CallX>(insn)) return Returns::anything();
    if (after.unknown) return after;
    const uint16_t def = use_def(insn).def;
    if (!(after.regs & def)) return after;
    after.regs &= uint16_t(~def);
    if (const auto* l = std::get_if<LoadImm64>(&insn); l && l->kind == LddwKind::Imm64) {
        after.add(l->value());
        return after;
    }
    const auto* a = std::get_if<Alu>(&insn);
    if (a && a->op == AluOp::Mov) {
        if (const auto* imm = std::get_if<Imm>(&a->src)) {
            after.add(a->is64 ? uint64_t(int64_t(imm->v)) : uint64_t(uint32_t(imm->v)));
            return after;
        }
        if (const auto* src = std::get_if<Reg>(&a->src); src && a->is64 && src->n < kFramePointer) {
            after.regs |= uint16_t(1u << src->n);
            return after;
        }
    }
    return Returns::anything();
}

// Registers whose values are known constants, for the walk after a call returns.
struct Consts {
    uint16_t known = 0;
    std::array<uint64_t, kNumRegisters> v{};
    std::optional<uint64_t> get(uint8_t r) const {
        return r < kNumRegisters && (known >> r & 1) ? std::optional<uint64_t>(v[r]) : std::nullopt;
    }
    void set(uint8_t r, std::optional<uint64_t> x) {
        if (r >= kNumRegisters) return;
        if (x) {
            known = uint16_t(known | 1u << r);
            v[r] = *x;
        } else {
            known = uint16_t(known & ~(1u << r));
        }
    }
    std::optional<uint64_t> operand(const Operand& o) const {
        if (const auto* imm = std::get_if<Imm>(&o)) return uint64_t(int64_t(imm->v));
        return get(std::get<Reg>(o).n);
    }
};

// Slots live before `pc` on the paths the known constants allow (the machine's own
// semantics: isa/alu_semantics.hpp), a jump on known operands going one way only. Where
// nothing is known any more, or after `budget` slots, the path-insensitive liveness.
uint64_t live_given(const Program& program, size_t pc, Consts c, const std::vector<uint64_t>& use,
                    const std::vector<uint64_t>& def, const std::vector<uint64_t>& live_in, int& budget) {
    if (c.known == 0 || budget <= 0) return live_in[pc];
    --budget;
    const Instruction& insn = program.insns[pc];
    uint64_t out = 0;
    if (const auto* j = std::get_if<Jump>(&insn); j && j->cond != Cond::Always) {
        const auto a = c.get(j->dst.n), b = c.operand(j->src);
        if (a && b) {
            const size_t next = semantics::condition(j->cond, j->is32, *a, *b) ? size_t(j->target) : pc + 1;
            return use[pc] | (live_given(program, next, c, use, def, live_in, budget) & ~def[pc]);
        }
    }
    if (const auto* a = std::get_if<Alu>(&insn)) {
        const bool unary = a->op == AluOp::Neg;
        const bool mov = a->op == AluOp::Mov || a->op == AluOp::MovSx8 || a->op == AluOp::MovSx16 ||
                         a->op == AluOp::MovSx32;
        const auto d = c.get(a->dst.n);
        const auto s = unary ? std::optional<uint64_t>(0) : c.operand(a->src);
        std::optional<uint64_t> r;
        if (s && (d || mov)) {
            const uint64_t dv = d.value_or(0);
            r = a->is64 ? semantics::alu64(a->op, dv, *s) : semantics::alu32(a->op, uint32_t(dv), uint32_t(*s));
        }
        c.set(a->dst.n, r);
    } else if (const auto* l = std::get_if<LoadImm64>(&insn)) {
        c.set(l->dst.n, l->kind == LddwKind::Imm64 ? std::optional<uint64_t>(l->value()) : std::nullopt);
    } else if (const auto* e = std::get_if<Endian>(&insn)) {
        const auto d = c.get(e->dst.n);
        c.set(e->dst.n, d ? std::optional<uint64_t>(semantics::endian(e->op, e->bits, *d)) : std::nullopt);
    } else {
        const uint16_t defined = use_def(insn).def;
        for (uint8_t r = 0; r < kNumRegisters; ++r)
            if (defined >> r & 1) c.set(r, std::nullopt);
    }
    for_each_successor(program, pc, [&](size_t next) { out |= live_given(program, next, c, use, def, live_in, budget); });
    return use[pc] | (out & ~def[pc]);
}

} // namespace

StackLiveness::StackLiveness(const Program& program, const std::vector<int32_t>& starts,
                             const helpers::HelperTable* helpers, const std::vector<maps::MapDefinition>& maps) {
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

    std::vector<uint8_t> jump_target(n, 0); // for map_in_r1
    for (size_t pc = 0; pc < n; ++pc)
        if (const auto* j = std::get_if<Jump>(&program.insns[pc]); j && j->target >= 0 && size_t(j->target) < n)
            jump_target[size_t(j->target)] = 1;

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

    // Forward: register (and tracked slot) values before each slot, subprograms to a fixed
    // point (a call site can widen its callee's entry). The tracked slots are found as it
    // goes: a stack pointer stored whole at r10 + k makes slot k tracked, and the pass runs
    // again (at most kMaxTracked + 1 times), until every such store lands in a tracked slot.
    std::vector<Regs> before(n);
    std::vector<uint8_t> grown; // per slot: how often number bounds grew there (join_regs)
    std::vector<Slots> before_slots; // only while some slot is tracked
    std::vector<uint8_t> queued(n, 0); // all 0 again whenever a worklist has drained
    Tracked tracked;
    std::vector<uint64_t> use(n, 0), def(n, 0);
    Slots fresh; // a new frame's slots hold no pointer
    fresh.fill(kNone);
    for (bool retry = true; retry;) {
        retry = false;
        std::vector<Regs> entries = entry;
        std::vector<ArgSpills> spills(subs.size()), spills_seen(subs.size());
        // What each subprogram may return in r0 (at its exits), and how many times that grew.
        std::vector<Val> returned(subs.size());
        uint32_t returns_changed = 0;
        std::vector<uint32_t> returns_seen(subs.size(), 0);
        // Where a callee's arguments may lead to a spilled stack pointer, from a call's
        // registers and slots (`caller`: the calling frame's own arguments' spills).
        // At a call handing rk = r10 + off, a slot at `at` holding r10 + x is, from the
        // callee's argument, a slot at at - off holding "rk + (x - off)"; handed through an
        // argument, the caller's own entries shift the same way. Where the offset is not one
        // number (a range of buffers), the bytes are "unknown".
        auto join_spills = [&](ArgSpills& callee, const ArgSpills& caller, const Regs& r, const Slots& sl) {
            bool grew = false;
            for (uint8_t a = 1; a <= 5; ++a) {
                const Val v = r[a];
                ArgSpill& into = callee[a - 1];
                if (v.kind == Val::Any) {
                    grew |= into.add_unknown(-ArgReads::kOpen, ArgReads::kOpen);
                } else if (in_frame(v)) {
                    for (size_t t = 0; t < tracked.slots.size(); ++t) {
                        if (sl[t].kind == Val::None || sl[t].kind == Val::Bottom) continue;
                        const int64_t at = -8 * int64_t(tracked.slots[t] + 1);
                        if (is_offset(v)) grew |= into.add(at - v.off, in_frame(sl[t]) ? rebase(sl[t], a, -v.off) : kAny);
                        else grew |= into.add_unknown(at - top(v), at + 8 - v.off);
                    }
                } else if (via_arg(v)) {
                    const ArgSpill& c = caller[v.base - 1u];
                    if (c.unknown.lo < c.unknown.hi)
                        grew |= into.add_unknown(int64_t(c.unknown.lo) - top(v), int64_t(c.unknown.hi) - v.off);
                    for (const auto& [rel, p] : c.at) {
                        if (is_offset(v)) grew |= into.add(rel - v.off, rebase(p, a, -v.off));
                        else grew |= into.add_unknown(rel - top(v), rel + 8 - v.off);
                    }
                }
            }
            return grew;
        };
        for (Regs& b : before) b.fill(Val{});
        grown.assign(n, 0);
        before_slots.assign(tracked.slots.empty() ? 0 : n, Slots{});
        // Each round moves entry values at least one call deeper, and each entry register
        // changes at most twice: the cap is never reached by a program the structural check
        // admits (8 frames); if it were, nothing would be known.
        bool again = true;
        for (int round = 0; again && round < 64; ++round) {
            again = false;
            for (size_t s = 0; s < subs.size(); ++s) {
                if (entries[s][kFramePointer].kind == Val::Bottom) continue;
                const size_t start = size_t(subs[s].start);
                std::vector<size_t> work{start};
                join_into(before[start], entries[s]);
                if (!before_slots.empty()) join_into(before_slots[start], fresh);
                // Loads through the arguments, or calls, may give other values now.
                if (spills[s] != spills_seen[s] || returns_seen[s] != returns_changed) {
                    spills_seen[s] = spills[s];
                    returns_seen[s] = returns_changed;
                    for (size_t pc = start + 1; pc < size_t(subs[s].end); ++pc)
                        if (before[pc][kFramePointer].kind != Val::Bottom && !queued[pc]) {
                            queued[pc] = 1;
                            work.push_back(pc);
                        }
                }
                while (!work.empty()) {
                    const size_t pc = work.back();
                    work.pop_back();
                    queued[pc] = 0;
                    Regs r = before[pc];
                    Slots sl = before_slots.empty() ? fresh : before_slots[pc];
                    const Instruction& insn = program.insns[pc];
                    if (const auto* c = std::get_if<Call>(&insn)) {
                        if (c->kind == CallKind::Local) {
                            if (auto callee = sub_of(c->target)) {
                                // The callee sees a stack pointer in rk as "what rk held at my entry":
                                // its reads through it are mapped back at each call site.
                                Regs args = r;
                                for (uint8_t a = 1; a <= 5; ++a)
                                    args[a] = is_stack(r[a]) ? Val{Val::Fixed, a, 0} : kNone;
                                Regs e = entry_regs(args);
                                if (join_into(entries[*callee], e)) again = true;
                                if (join_spills(spills[*callee], spills[s], r, sl)) again = true;
                            }
                        }
                        bool escaped = false;
                        for (uint8_t a = 1; a <= 5; ++a) escaped |= is_stack(r[a]);
                        for (uint8_t a = 0; a <= 5; ++a) r[a] = kNone;
                        // A callee may hand back a pointer into a frame it was given (where its
                        // exits may return one), and a helper or callee given a stack pointer
                        // may write data over a spill.
                        if (c->kind == CallKind::Local && escaped) {
                            const auto callee = sub_of(c->target);
                            const Val ret = callee ? returned[*callee] : kAny;
                            if (ret.kind != Val::None && ret.kind != Val::Bottom) r[0] = kAny;
                        }
                        const bool callee_frame = c->kind == CallKind::Local ||
                                                  (c->kind == CallKind::Helper && takes_callback(helper_of(*c)));
                        for (uint8_t a = 1; a <= 5; ++a) {
                            const Val v = before[pc][a];
                            if (callee_frame || v.kind == Val::Any) {
                                if (may_be_own(v)) weaken(sl);
                            } else if (in_frame(v)) {
                                weaken_range(sl, tracked, v.off, 0, -1, kNone); // helpers write upward
                            }
                        }
                    } else if (const auto* cx = std::get_if<CallX>(&insn)) {
                        (void)cx;
                        bool escaped = false;
                        for (uint8_t a = 1; a <= 5; ++a) escaped |= may_be_own(r[a]);
                        for (uint8_t a = 0; a <= 5; ++a) r[a] = kNone;
                        if (escaped) weaken(sl);
                    } else if (std::holds_alternative<Exit>(insn)) {
                        const Val ret = join(returned[s], r[0].kind == Val::None ? kNone : r[0]);
                        if (!(ret == returned[s])) {
                            returned[s] = ret;
                            ++returns_changed; // every call site looks again (next round)
                            again = true;
                        }
                    } else {
                        transfer(insn, r, sl, tracked, spills[s]);
                    }
                    for_each_successor(program, pc, [&](size_t next) {
                        bool changed = join_regs(before[next], r, grown[next]);
                        if (!before_slots.empty()) changed |= join_into(before_slots[next], sl);
                        if (changed && !queued[next]) {
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
        std::fill(use.begin(), use.end(), 0);
        std::fill(def.begin(), def.end(), 0);
        for (size_t pc = 0; pc < n && !retry; ++pc) {
            const Regs& r = before[pc];
            if (r[kFramePointer].kind == Val::Bottom) continue; // unreachable
            auto access = [&](uint8_t base, int32_t off, uint32_t size) -> uint64_t {
                const Val v = r[base];
                if (v.kind == Val::Any) return kAll;
                if (!in_frame(v)) return 0; // not a stack pointer, or into a caller's frame
                return slots_of(int64_t(v.off) + off, top(v) + off + size);
            };
            const Instruction& insn = program.insns[pc];
            if (const auto* l = std::get_if<Load>(&insn)) {
                use[pc] = access(l->base.n, l->off, uint32_t(l->size));
            } else if (const auto* st = std::get_if<Store>(&insn)) {
                const Val b = r[st->base.n];
                const int64_t at = int64_t(b.off) + st->off;
                const int slot = in_frame(b) && b.kind == Val::Fixed && st->size == Size::DW ? aligned_slot(at) : -1;
                // A stack pointer (or what may be one) goes into memory: followed only as a
                // spill into a slot of this frame. A narrower store of one leaves no pointer
                // to load back: on the stack it is refused ("partial store of a pointer to
                // the stack", exec_memory.cpp), anywhere else its bytes are data (a
                // callback's index, which the entry values call "Any", stored as a key).
                if (const auto* src = std::get_if<Reg>(&st->src);
                    src && r[src->n].kind != Val::None && st->size == Size::DW) {
                    if (slot < 0 || (tracked.find(slot) < 0 && tracked.slots.size() == kMaxTracked)) {
                        enabled_ = false;
                        return;
                    }
                    if (tracked.find(slot) < 0) {
                        tracked.slots.push_back(slot);
                        retry = true;
                    }
                }
                if (slot >= 0) def[pc] = uint64_t{1} << slot;
            } else if (const auto* at = std::get_if<Atomic>(&insn)) {
                if (r[at->src.n].kind != Val::None || (at->op == AtomicOp::CmpXchg && r[0].kind != Val::None)) {
                    enabled_ = false;
                    return;
                }
                use[pc] = access(at->base.n, at->off, at->is64 ? 8 : 4);
            } else if (const auto* c = std::get_if<Call>(&insn)) {
                const helpers::Helper* h = helper_of(*c);
                const bool callee_frame =
                    c->kind == CallKind::Local || (c->kind == CallKind::Helper && takes_callback(h));
                const maps::MapDefinition* map = h ? map_in_r1(program, jump_target, pc, maps) : nullptr;
                for (uint8_t a = 1; a <= 5; ++a) {
                    const Val v = r[a];
                    if (!may_be_own(v)) continue; // reads through an argument: arg_reads_at_ below
                    if (callee_frame) {
                        // A local callee's reads are mapped to slots below; a callback's are not followed.
                        escapes_[pc] = 1;
                        if (c->kind != CallKind::Local) use[pc] = kAll;
                    } else if (v.kind == Val::Any) {
                        use[pc] = kAll;
                    } else if (const auto size = h ? helper_read_size(*h, a, map) : std::nullopt) {
                        use[pc] |= slots_of(v.off, top(v) + *size); // a map's key or value
                    } else {
                        use[pc] |= slots_of(v.off, 0); // a helper reads upward from its pointer
                    }
                }
            } else if (std::holds_alternative<CallX>(insn)) {
                for (uint8_t a = 1; a <= 5; ++a)
                    if (may_be_own(r[a])) use[pc] = kAll;
            }
        }
        if (retry) std::fill(escapes_.begin(), escapes_.end(), 0);
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
    std::vector<uint32_t> work;
    auto push = [&](uint32_t pc) {
        if (queued[pc]) return;
        queued[pc] = 1;
        work.push_back(pc);
    };
    // Every slot (the last first) until nothing changes: `update(pc)` recomputes a slot from
    // its successors and says whether it changed; then its predecessors are looked at again.
    auto solve_backward = [&](auto&& update) {
        for (size_t pc = 0; pc < n; ++pc) push(uint32_t(pc)); // popped from the end: the last slot first
        while (!work.empty()) {
            const uint32_t pc = work.back();
            work.pop_back();
            queued[pc] = 0;
            if (!update(pc)) continue;
            for (uint32_t k = pred_start[pc]; k < pred_start[pc + 1]; ++k) push(preds[k]);
        }
    };

    // Reads through the pointers a frame was handed, from each slot until it returns: its
    // own loads, atomics and helper calls through them, and its local calls' callees' reads
    // (from their entry) mapped through the call's r1-r5. A change at a subprogram's entry
    // looks at its call sites again.
    std::vector<int32_t> sub_at(n, -1);
    for (size_t s = 0; s < subs.size(); ++s) sub_at[size_t(subs[s].start)] = int32_t(s);
    std::vector<std::vector<uint32_t>> calls_to(subs.size());
    for (size_t pc = 0; pc < n; ++pc) {
        const auto* c = std::get_if<Call>(&program.insns[pc]);
        if (!c || c->kind != CallKind::Local || before[pc][kFramePointer].kind == Val::Bottom) continue;
        if (const auto callee = sub_of(c->target)) {
            calls_to[*callee].push_back(uint32_t(pc));
            std::array<CallArg, 5>& args = call_args_[uint32_t(pc)];
            for (uint8_t a = 1; a <= 5; ++a) args[a - 1] = call_arg(before[pc][a]);
        }
    }
    std::vector<ArgReads> reads(n);
    auto own_reads = [&](size_t pc) {
        ArgReads o;
        const Regs& r = before[pc];
        if (r[kFramePointer].kind == Val::Bottom) return o; // unreachable
        auto through = [&](Val v, int64_t from, int64_t to) { // bytes [from, to) from v's lowest offset
            if (v.kind == Val::Any) o.unknown = true;
            else if (via_arg(v)) o.add(v.base - 1u, v.off + from, top(v) + to);
        };
        bool stack_arg = false;
        for (uint8_t a = 1; a <= 5; ++a) stack_arg |= is_stack(r[a]);
        const Instruction& insn = program.insns[pc];
        if (const auto* l = std::get_if<Load>(&insn)) {
            through(r[l->base.n], l->off, int64_t(l->off) + int64_t(l->size));
        } else if (const auto* at = std::get_if<Atomic>(&insn)) {
            through(r[at->base.n], at->off, int64_t(at->off) + (at->is64 ? 8 : 4));
        } else if (const auto* c = std::get_if<Call>(&insn)) {
            const helpers::Helper* h = helper_of(*c);
            if (c->kind == CallKind::Local) {
                if (const auto callee = sub_of(c->target)) {
                    ArgReads mapped;
                    map_reads(reads[size_t(subs[*callee].start)], call_args_[uint32_t(pc)], mapped);
                    o.join(mapped);
                }
            } else if (takes_callback(h)) {
                o.unknown |= stack_arg; // a callback's reads are not followed
            } else {
                const maps::MapDefinition* map = h ? map_in_r1(program, jump_target, pc, maps) : nullptr;
                for (uint8_t a = 1; a <= 5; ++a) {
                    const auto size = h ? helper_read_size(*h, a, map) : std::nullopt;
                    through(r[a], 0, size ? *size : ArgReads::kOpen); // helpers read upward
                }
            }
        } else if (std::holds_alternative<CallX>(insn)) {
            o.unknown |= stack_arg;
        }
        return o;
    };
    solve_backward([&](uint32_t pc) {
        ArgReads in = own_reads(pc);
        for_each_successor(program, pc, [&](size_t next) { in.join(reads[next]); });
        if (in == reads[pc]) return false;
        reads[pc] = in;
        if (sub_at[pc] >= 0)
            for (uint32_t call : calls_to[size_t(sub_at[pc])]) push(call);
        return true;
    });
    {
        std::map<ArgReads, uint32_t> interned{{ArgReads{}, 0}};
        arg_reads_.assign(1, ArgReads{});
        arg_reads_at_.assign(n, 0);
        for (size_t pc = 0; pc < n; ++pc) {
            auto [it, added] = interned.emplace(reads[pc], uint32_t(arg_reads_.size()));
            if (added) arg_reads_.push_back(reads[pc]);
            arg_reads_at_[pc] = it->second;
        }
    }
    // A local call reads the slots of this frame its callee reads through the pointers it is given.
    for (auto& [pc, args] : call_args_) {
        ArgReads below;
        use[pc] |= map_reads(reads[size_t(subs[*sub_of(std::get<Call>(program.insns[pc]).target)].start)], args, below);
    }

    std::fill(live_in_.begin(), live_in_.end(), 0);
    solve_backward([&](uint32_t pc) {
        uint64_t out = 0;
        for_each_successor(program, pc, [&](size_t next) { out |= live_in_[next]; });
        const uint64_t in = use[pc] | (out & ~def[pc]);
        if (in == live_in_[pc]) return false;
        live_in_[pc] = in;
        return true;
    });

    // What each slot of a subprogram returns (backward, by worklist: each slot's returns
    // only grow), then, per local call site and each constant its callee may return, the
    // caller's live slots after the return with that r0.
    {
        std::vector<Returns> ret(n);
        solve_backward([&](uint32_t pc) {
            Returns after;
            for_each_successor(program, pc, [&](size_t next) { after.join(ret[next]); });
            const Instruction& insn = program.insns[pc];
            const auto* c = std::get_if<Call>(&insn);
            const helpers::Helper* h = c ? helper_of(*c) : nullptr;
            const bool tail_call = c && c->kind != CallKind::Local && (!h || h->proto.tail_call);
            const Returns in = returns_before(insn, after, tail_call);
            if (in == ret[pc]) return false;
            ret[pc] = in;
            return true;
        });
        // The constants each callee may return (at most 8: more, and its call sites keep
        // live_before(callsite + 1)), and each slot's set of them.
        constexpr size_t kMaxValues = 8;
        std::vector<std::vector<uint64_t>> values(subs.size());
        std::vector<uint8_t> too_many(subs.size(), 0);
        std::map<std::vector<uint64_t>, uint16_t> interned;
        return_set_.assign(n, 0);
        for (size_t s = 1; s < subs.size(); ++s) {
            for (size_t pc = size_t(subs[s].start); pc < size_t(subs[s].end); ++pc) {
                if (!ret[pc].constants()) continue;
                std::vector<uint64_t> set(ret[pc].v.begin(), ret[pc].v.begin() + ret[pc].n);
                for (uint64_t v : set)
                    if (std::find(values[s].begin(), values[s].end(), v) == values[s].end()) values[s].push_back(v);
                auto it = interned.find(set);
                if (it == interned.end()) {
                    if (return_sets_.size() >= 0xfffe) continue;
                    return_sets_.push_back(set);
                    it = interned.emplace(set, uint16_t(return_sets_.size())).first;
                }
                return_set_[pc] = it->second;
            }
            too_many[s] = values[s].size() > kMaxValues;
        }
        for (size_t pc = 0; pc + 1 < n; ++pc) {
            const auto* c = std::get_if<Call>(&program.insns[pc]);
            if (!c || c->kind != CallKind::Local || before[pc][kFramePointer].kind == Val::Bottom) continue;
            const auto callee = sub_of(c->target);
            if (!callee || too_many[*callee] || values[*callee].empty()) continue;
            auto& masks = after_return_[uint32_t(pc)];
            for (uint64_t v : values[*callee]) {
                Consts k;
                k.set(0, v);
                int budget = 64;
                masks.emplace_back(v, live_given(program, pc + 1, k, use, def, live_in_, budget));
            }
        }
    }
}

void StackLiveness::ArgReads::add(size_t arg, int64_t from, int64_t to) {
    from = std::clamp<int64_t>(from, -kOpen, kOpen);
    to = std::clamp<int64_t>(to, -kOpen, kOpen);
    if (arg >= lo.size() || from >= to) return;
    if (lo[arg] >= hi[arg]) {
        lo[arg] = int32_t(from);
        hi[arg] = int32_t(to);
        return;
    }
    lo[arg] = std::min(lo[arg], int32_t(from)); // the hull: a few bytes more, never fewer
    hi[arg] = std::max(hi[arg], int32_t(to));
}

void StackLiveness::ArgReads::join(const ArgReads& o) {
    unknown |= o.unknown;
    for (size_t k = 0; k < lo.size(); ++k) add(k, o.lo[k], o.hi[k]);
}

const StackLiveness::ArgReads& StackLiveness::reads_through_args(uint32_t pc) const {
    static const ArgReads anything = [] {
        ArgReads a;
        a.unknown = true;
        return a;
    }();
    if (!enabled_ || pc >= arg_reads_at_.size()) return anything;
    return arg_reads_[arg_reads_at_[pc]];
}

uint64_t StackLiveness::caller_slots(uint32_t callsite, const ArgReads& above, ArgReads& below) const {
    const auto args = call_args_.find(callsite);
    if (!enabled_ || args == call_args_.end()) {
        below.unknown = true;
        return kAll;
    }
    return map_reads(above, args->second, below);
}

uint64_t StackLiveness::live_after_return(uint32_t callsite, uint32_t callee_pc) const {
    const uint32_t resume = callsite + 1;
    if (!enabled_ || resume >= live_in_.size()) return kAll;
    const uint64_t all_paths = live_in_[resume];
    const uint16_t set = callee_pc < return_set_.size() ? return_set_[callee_pc] : 0;
    const auto masks = after_return_.find(callsite);
    if (set == 0 || masks == after_return_.end()) return all_paths;
    uint64_t live = 0;
    for (uint64_t v : return_sets_[set - 1]) {
        const auto m = std::find_if(masks->second.begin(), masks->second.end(), [&](const auto& e) { return e.first == v; });
        if (m == masks->second.end()) return all_paths;
        live |= m->second;
    }
    return live & all_paths;
}

} // namespace ebpfjit::verifier
