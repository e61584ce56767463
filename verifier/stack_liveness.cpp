#include "verifier/stack_liveness.hpp"

#include <algorithm>
#include <array>
#include <climits>
#include <map>
#include <optional>

#include "isa/alu_semantics.hpp"
#include "isa/liveness.hpp"
#include "verifier/constant_returns.hpp"
#include "verifier/stack_pointer_flow.hpp"

namespace ebpfjit::verifier {

namespace {

using namespace isa;

using namespace stack_flow;
using namespace constant_returns;

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
    // Local calls, by the subprogram they are in and by the one they call.
    std::vector<std::vector<uint32_t>> calls_in(subs.size()), calls_to_sub(subs.size());
    for (size_t pc = 0; pc < n; ++pc)
        if (const auto* c = std::get_if<Call>(&program.insns[pc]); c && c->kind == CallKind::Local)
            if (const auto callee = sub_of(c->target), caller = sub_of(int64_t(pc)); callee && caller) {
                calls_in[*caller].push_back(uint32_t(pc));
                calls_to_sub[*callee].push_back(uint32_t(pc));
            }
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
        // What each subprogram may return in r0 (at its exits); when it grows, its call sites
        // are looked at again (stale) in the next round.
        std::vector<Val> returned(subs.size());
        std::vector<uint8_t> stale(n, 0);
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
                auto requeue = [&](size_t pc) {
                    if (before[pc][kFramePointer].kind == Val::Bottom || queued[pc]) return;
                    queued[pc] = 1;
                    work.push_back(pc);
                };
                if (spills[s] != spills_seen[s]) { // loads through the arguments may give other values
                    spills_seen[s] = spills[s];
                    for (size_t pc = start + 1; pc < size_t(subs[s].end); ++pc) requeue(pc);
                }
                for (uint32_t call : calls_in[s]) // calls whose callee may return other values
                    if (stale[call]) {
                        stale[call] = 0;
                        requeue(call);
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
                            for (uint32_t call : calls_to_sub[s]) stale[call] = 1;
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
    for (const std::vector<uint32_t>& calls : calls_to_sub)
        for (uint32_t pc : calls) {
            if (before[pc][kFramePointer].kind == Val::Bottom) continue; // unreachable
            std::array<CallArg, 5>& args = call_args_[pc];
            for (uint8_t a = 1; a <= 5; ++a) args[a - 1] = call_arg(before[pc][a]);
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
            for (uint32_t call : calls_to_sub[size_t(sub_at[pc])]) push(call);
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
