#include "verifier/pruning.hpp"

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "verifier/const_map_key.hpp"
#include "verifier/relations.hpp"

namespace ebpfjit::verifier {

namespace {

constexpr uint16_t kCallerSaved = 0x3f;
constexpr uint16_t kAllRegs = 0x7ff;

enum class Mode {
    Exact,   // identical states (infinite-loop test)
    // Bounds of every scalar some continuation may read (live registers and slots), no
    // imprecision: what a prune must also pass for the facts of the code after it to hold
    // for the pruned path (a dead value is overwritten before anything reads it).
    Strict,
    Relaxed, // the kernel's: live registers only, imprecise scalars match any scalar
    Loop,    // the loop pass's heads: live registers only, every scalar's bounds
};

// Ids name "the same value" within one state; two states must use them consistently.
class IdMap {
public:
    bool match(uint32_t old_id, uint32_t cur_id) {
        if (old_id == 0) return true;
        if (cur_id == 0) return false;
        for (auto [o, c] : pairs_) {
            if (o == old_id) return c == cur_id;
            if (c == cur_id) return false;
        }
        pairs_.emplace_back(old_id, cur_id);
        return true;
    }

    // Scalars (the kernel's check_scalar_ids): a current value that shares its id with
    // nothing is a value of its own, linked to no other; it may stand where the old state
    // had a link, as long as no second old copy of that link maps to it too.
    bool match_scalar(uint32_t old_id, uint32_t cur_id) {
        return match(old_id, cur_id ? cur_id : kUnlinked + ++unlinked_);
    }

private:
    static constexpr uint32_t kUnlinked = 0x8000'0000u; // above every id the analyzer hands out
    std::vector<std::pair<uint32_t, uint32_t>> pairs_;
    uint32_t unlinked_ = 0;
};

bool same_value(const RegState& a, const RegState& b) {
    return a.type == b.type && a.off == b.off && a.var == b.var && a.range == b.range && a.end_mark == b.end_mark &&
           a.map == b.map &&
           a.mem_size == b.mem_size && a.frame == b.frame && a.is_mem_length == b.is_mem_length;
}

bool reg_subsumes(const RegState& old, const RegState& cur, IdMap& ids, Mode mode) {
    if (mode == Mode::Exact) return same_value(old, cur) && ids.match(old.id, cur.id);
    // A register the old path never initialised was never read from there on, but for a
    // packet pointer a helper invalidated, which a subtraction may still read
    // (stale_packet_pair): it covers only one invalidated by the same call, linked alike.
    if (old.type == RegType::NotInit)
        return !old.invalidated_at || (cur.type == RegType::NotInit && cur.invalidated_at && ids.match(old.id, cur.id));
    if (old.type != cur.type) return false;
    if (old.type == RegType::Scalar) {
        if (old.is_mem_length && !cur.is_mem_length) return false;
        // Nothing after the checkpoint depended on an imprecise value, nor on its copies
        // being copies: a jump that taught a copy a bound the continuation relied on made
        // every copy precise (backtrack_insn's linked copies), as the kernel's regsafe.
        if (mode == Mode::Relaxed && !old.precise) return true;
        // Copies (shared ids) must stay copies: a bound learnt for one holds for all.
        if (!ids.match_scalar(old.id, cur.id)) return false;
        return old.var.subsumes(cur.var);
    }
    if (old.off != cur.off || old.map != cur.map || old.mem_size != cur.mem_size || old.frame != cur.frame)
        return false;
    if (!old.var.subsumes(cur.var)) return false;
    if (old.range > cur.range) return false;
    if (old.end_mark > cur.end_mark) return false; // a decided comparison relied on it
    return ids.match(old.id, cur.id);
}

// A spilled scalar whose value nothing depends on: any initialised bytes will do.
bool is_free_scalar(const RegState& r, Mode mode) {
    if (r.type != RegType::Scalar || r.is_mem_length) return false;
    if (mode == Mode::Relaxed && !r.precise) return true; // nor on its copies (reg_subsumes)
    return r.id == 0 && r.var == Scalar::unknown();
}

// Bytes a prune let stand for initialised data although the new path never wrote them
// (old: data, or a free scalar spill; new: Invalid). Collected only under
// allow_uninit_stack, where reading such bytes is allowed once they are zeroed.
struct UninitSink {
    std::vector<Checkpoints::UninitByte>* out = nullptr;
    uint8_t frame = 0;
    size_t slot = 0;
    bool add(size_t byte) {
        if (!out) return false;
        out->push_back({frame, -int32_t(8 * (slot + 1)) + int32_t(byte)});
        return true;
    }
};

// `invalid_covers_pointers` (Relaxed only; Checkpoints' constructor says when): bytes the
// old path never wrote, or held as data, cover a spilled pointer too, as in the kernel's
// stacksafe.
bool slot_subsumes(const StackSlot* old, const StackSlot* cur, IdMap& ids, Mode mode, UninitSink uninit = {},
                   bool invalid_covers_pointers = false) {
    static const StackSlot kEmpty{};
    if (!old) old = &kEmpty;
    if (!cur) cur = &kEmpty;
    if (mode == Mode::Exact) {
        if (old->bytes != cur->bytes || old->narrow != cur->narrow) return false;
        return (!old->is_spill() && !old->narrow) || reg_subsumes(old->spilled, cur->spilled, ids, Mode::Exact);
    }
    if (old->is_spill()) {
        if (cur->is_spill()) return reg_subsumes(old->spilled, cur->spilled, ids, mode);
        if (!is_free_scalar(old->spilled, mode)) return false;
        for (size_t i = 0; i < 8; ++i)
            if (cur->bytes[i] == ByteKind::Invalid && !uninit.add(i)) return false;
        return true;
    }
    bool cur_spilled_scalar = cur->is_spill() && cur->spilled.type == RegType::Scalar;
    bool cur_spilled_zero = cur_spilled_scalar && cur->spilled.is_null_const();
    // Initialised data, or (allow_uninit_stack) bytes that will read as zero; with pointer
    // leaks allowed, a spilled pointer too: the old path read the bytes as an unknown
    // scalar, which is never a base, a helper's pointer or a callee's frame, so the new
    // path runs the same instructions on the pointer's bytes as a number (the kernel's
    // stacksafe lets STACK_MISC match anything when allow_uninit_stack, which it grants
    // with allow_ptr_leaks).
    auto any_data = [&](ByteKind c, size_t i) {
        return c == ByteKind::Misc || c == ByteKind::Zero ||
               (c == ByteKind::Spill && (cur_spilled_scalar || invalid_covers_pointers)) ||
               (c == ByteKind::Invalid && uninit.add(i));
    };
    for (size_t i = 0; i < 8; ++i) {
        ByteKind o = old->bytes[i], c = cur->bytes[i];
        switch (o) {
        case ByteKind::Invalid:
            // The old path may have read it as an unknown scalar (allow_uninit_stack):
            // anything but a spilled pointer, which must never be read as data, unless
            // reading a pointer as data is allowed anyway.
            if (c == ByteKind::Spill && !cur_spilled_scalar && !invalid_covers_pointers) return false;
            break;
        case ByteKind::Misc:
            if (!any_data(c, i)) return false;
            break;
        case ByteKind::Zero:
            if (mode == Mode::Relaxed && !old->precise) { // zeros nobody relied on: any data
                if (!any_data(c, i)) return false;
                break;
            }
            if (!(c == ByteKind::Zero || (c == ByteKind::Spill && cur_spilled_zero))) return false;
            break;
        case ByteKind::Spill: return false; // handled above
        }
    }
    // A narrow spill: the old path's fills got its value (kernel stacksafe: the same
    // spill, regsafe); a new path without one matches only a value nobody relied on.
    if (old->narrow) {
        if (cur->narrow == old->narrow) return reg_subsumes(old->spilled, cur->spilled, ids, mode);
        return is_free_scalar(old->spilled, mode);
    }
    return true;
}

// `stack_live`: slots nobody reads before overwriting them are skipped (Relaxed only).
// `uninit` (Relaxed only): collects the bytes matched as UninitSink says; null: no such match.
// `invalid_covers_pointers`: as slot_subsumes (Relaxed only).
bool subsumes(const AbstractState& old, const AbstractState& cur, Mode mode, const LiveMasks& live, uint64_t& work,
              const StackMasks* stack_live = nullptr, std::vector<Checkpoints::UninitByte>* uninit = nullptr,
              bool invalid_covers_pointers = false) {
    invalid_covers_pointers = invalid_covers_pointers && mode == Mode::Relaxed;
    if (old.frames.size() != cur.frames.size() || old.refs.size() != cur.refs.size()) return false;
    work += state_size(old);
    IdMap ids;
    for (size_t i = 0; i < old.refs.size(); ++i)
        if (!ids.match(old.refs[i].id, cur.refs[i].id)) return false;
    if (old.lock.has_value() != cur.lock.has_value()) return false;
    if (old.lock && (old.lock->map != cur.lock->map || (old.lock->id == 0) != (cur.lock->id == 0) ||
                     !ids.match(old.lock->id, cur.lock->id)))
        return false;
    // Loop pass: the registers whose relations the zones must agree on.
    std::vector<std::pair<const RegState*, const RegState*>> related;
    std::vector<uint32_t> slot_syms; // old's slots compared (live), by symbol
    for (size_t f = 0; f < old.frames.size(); ++f) {
        const FrameState& of = old.frames[f];
        const FrameState& cf = cur.frames[f];
        if (of.callsite != cf.callsite) return false;
        const uint16_t live_regs = mode == Mode::Exact ? kAllRegs : live[f];
        for (uint8_t r = 0; r < isa::kNumRegisters; ++r)
            if ((live_regs >> r) & 1) {
                if (!reg_subsumes(of.regs[r], cf.regs[r], ids, mode)) return false;
                if (old.zone && of.regs[r].sym) related.emplace_back(&of.regs[r], &cf.regs[r]);
            }
        size_t slots = std::max(of.stack.slots().size(), cf.stack.slots().size());
        for (size_t s = 0; s < slots; ++s) {
            if (stack_live && (mode == Mode::Relaxed || mode == Mode::Strict) && s < 64 &&
                !(((*stack_live)[f] >> s) & 1))
                continue;
            const StackSlot* os = s < of.stack.slots().size() ? &of.stack.slots()[s] : nullptr;
            const StackSlot* cs = s < cf.stack.slots().size() ? &cf.stack.slots()[s] : nullptr;
            if (!os && mode != Mode::Exact) { // old never initialised it: as all-Invalid bytes
                if (cs && cs->is_spill() && cs->spilled.type != RegType::Scalar && !invalid_covers_pointers)
                    return false;
                continue;
            }
            if (old.zone && os->spilled.sym) slot_syms.push_back(os->spilled.sym);
            const UninitSink sink{mode == Mode::Relaxed ? uninit : nullptr, uint8_t(f), s};
            if (!slot_subsumes(os, cs, ids, mode, sink, invalid_covers_pointers)) return false;
            if (old.zone && os->spilled.sym && cs &&
                ((os->is_spill() && cs->is_spill()) || (os->narrow && cs->narrow == os->narrow)))
                related.emplace_back(&os->spilled, &cs->spilled);
        }
    }
    if (old.zone && !zone_subsumes(old, cur, related, slot_syms)) return false;
    return true;
}

// Mixing for the keys (splitmix64 finaliser).
uint64_t mix(uint64_t h, uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 29);
}

// `unkeyed`: registers whose type is left out (in every frame).
uint64_t key_of(const AbstractState& s, const LiveMasks& live, uint16_t unkeyed = 0) {
    uint64_t h = mix(s.refs.size() + (s.lock ? 1u << 16 : 0u), s.frames.size());
    for (size_t f = 0; f < s.frames.size(); ++f) {
        h = mix(h, uint64_t(int64_t(s.frames[f].callsite)));
        const uint16_t keyed = uint16_t(live[f] & ~unkeyed);
        for (uint8_t r = 0; r < isa::kNumRegisters; ++r)
            if ((keyed >> r) & 1) h = mix(h, uint64_t(s.frames[f].regs[r].type) + 16u * r);
    }
    return h;
}

// The live registers of `s` that are uninitialised, in any frame.
uint16_t live_not_init(const AbstractState& s, const LiveMasks& live) {
    uint16_t m = 0;
    for (size_t f = 0; f < s.frames.size() && f < live.size(); ++f)
        for (uint8_t r = 0; r < isa::kNumRegisters; ++r)
            if (((live[f] >> r) & 1) && s.frames[f].regs[r].type == RegType::NotInit) m |= uint16_t(1u << r);
    return m;
}

uint64_t reg_hash(uint64_t h, const RegState& r) {
    // One multiply-xor per field and a single mix: this runs for every stored state.
    uint64_t v = uint64_t(r.type) | uint64_t(uint32_t(r.off)) << 8 | uint64_t(r.frame) << 40 |
                 uint64_t(r.is_mem_length) << 48;
    v ^= r.var.bits.value * 0x9e3779b97f4a7c15ULL;
    v ^= r.var.bits.mask * 0xc2b2ae3d27d4eb4fULL;
    v ^= uint64_t(r.var.smin) * 0x165667b19e3779f9ULL;
    v ^= r.var.umax * 0xd6e8feb86659fd93ULL;
    v ^= (uint64_t(r.range) | uint64_t(r.mem_size) << 32 | uint64_t(r.end_mark) << 62) * 0xff51afd7ed558ccdULL;
    v ^= uint64_t(reinterpret_cast<uintptr_t>(r.map));
    return mix(h, v);
}

// Everything the exact comparison looks at except ids (which it renames).
uint64_t fingerprint_of(const AbstractState& s) {
    uint64_t h = mix(1 + s.refs.size() + (s.lock ? 1u << 16 : 0u), s.frames.size());
    for (const FrameState& f : s.frames) {
        h = mix(h, uint64_t(int64_t(f.callsite)));
        for (const RegState& r : f.regs) h = reg_hash(h, r);
        // Trailing never-touched slots compare equal to absent ones.
        size_t n = f.stack.slots().size();
        static const StackSlot kEmpty{};
        while (n > 0 && f.stack.slots()[n - 1] == kEmpty) --n;
        for (size_t i = 0; i < n; ++i) {
            const StackSlot& slot = f.stack.slots()[i];
            uint64_t bytes = 0;
            for (ByteKind b : slot.bytes) bytes = bytes << 8 | uint64_t(b);
            h = mix(h, bytes);
            if (slot.is_spill() || slot.narrow) h = reg_hash(mix(h, slot.narrow), slot.spilled);
        }
    }
    return h;
}

// A scalar id held by one register only links nothing: dropping it lets states match.
void clear_singleton_ids(AbstractState& s) {
    std::unordered_map<uint32_t, uint32_t> count;
    s.for_each_reg([&](RegState& r) {
        if (r.is_scalar() && r.id) ++count[r.id];
    });
    if (count.empty()) return;
    s.for_each_reg([&](RegState& r) {
        if (r.is_scalar() && r.id && count[r.id] == 1) r.id = 0;
    });
}

// The scalars `state` has precise among the live ones: what a path pruned against it
// must have precise too.
PrecisionMask precise_scalars(const AbstractState& state, const LiveMasks& live) {
    PrecisionMask mask;
    for (size_t f = 0; f < state.frames.size() && f < mask.regs.size(); ++f) {
        const FrameState& frame = state.frames[f];
        for (uint8_t r = 0; r < isa::kNumRegisters; ++r)
            if (((live[f] >> r) & 1) && frame.regs[r].is_scalar() && frame.regs[r].precise)
                mask.regs[f] |= uint16_t(1u << r);
        const auto& slots = frame.stack.slots();
        for (size_t s = 0; s < slots.size() && s < 64; ++s)
            if ((slots[s].is_spill() && slots[s].spilled.is_scalar() && slots[s].spilled.precise) ||
                (!slots[s].is_spill() && slots[s].precise))
                mask.slots[f] |= uint64_t(1) << s;
            else if (slots[s].narrow && slots[s].spilled.precise)
                mask.narrow[f] |= uint64_t(1) << s;
    }
    return mask;
}

} // namespace

uint64_t state_size(const AbstractState& s) {
    uint64_t n = 0;
    for (const FrameState& f : s.frames) n += isa::kNumRegisters + f.stack.slots().size();
    return n;
}

uint64_t state_bytes(const AbstractState& s) {
    uint64_t n = sizeof(AbstractState) + s.history.capacity() * sizeof(HistoryEntry);
    for (const FrameState& f : s.frames) n += sizeof(FrameState) + f.stack.slots().capacity() * sizeof(StackSlot);
    if (s.zone) n += s.zone->size() * (s.zone->size() + 1) * sizeof(int64_t);
    return n;
}

bool state_subsumes(const AbstractState& old, const AbstractState& cur, bool exact, const LiveMasks& live,
                    uint64_t& work) {
    return subsumes(old, cur, exact ? Mode::Exact : Mode::Relaxed, live, work);
}

bool loop_state_subsumes(const AbstractState& old, const AbstractState& cur, const LiveMasks& live, uint64_t& work) {
    return subsumes(old, cur, Mode::Loop, live, work);
}

uint64_t shape_key(const AbstractState& s, const LiveMasks& live) { return key_of(s, live); }

Checkpoints::Checkpoints(const isa::Program& program, const Liveness& liveness, bool allow_uninit_stack,
                         bool allow_ptr_leaks, bool loop_pass)
    : program_(program), liveness_(liveness), allow_uninit_stack_(allow_uninit_stack),
      invalid_covers_pointers_(allow_ptr_leaks), loop_pass_(loop_pass), at_pc_(program.size()) {}

LiveMasks Checkpoints::live_masks(const AbstractState& s) const {
    LiveMasks live{};
    const size_t n = s.frames.size();
    for (size_t f = 0; f < n && f < live.size(); ++f) {
        if (f + 1 == n) {
            live[f] = liveness_.live_before(s.pc);
        } else {
            // A caller frame resumes after its call, with r0..r5 overwritten by then; a
            // callback's caller at the helper call itself, which reads its arguments again.
            const size_t callsite = size_t(s.frames[f + 1].callsite);
            if (s.frames[f + 1].in_callback) {
                live[f] = liveness_.live_before(uint32_t(callsite));
                continue;
            }
            const size_t resume = callsite + 1;
            live[f] = resume < program_.size() ? uint16_t(liveness_.live_before(uint32_t(resume)) & ~kCallerSaved)
                                               : kAllRegs;
        }
    }
    return live;
}

// A caller frame is read by the frames above it through the pointers they were handed
// (stack_liveness.hpp reads_through_args, mapped down call by call: caller_slots), and by
// its own continuation after the call returns, which the callee's return value may narrow
// (live_after_return). A callback's caller resumes at the helper call, which may run the
// callback again; a callback's arguments are not followed (all of the frame, if it handed
// the helper a pointer into it and anything above reads through one).
StackMasks Checkpoints::stack_masks(const AbstractState& s) const {
    StackMasks live{};
    const StackLiveness& stack = liveness_.stack();
    const size_t n = std::min<size_t>(s.frames.size(), live.size());
    // Where each frame goes on from: the top one at s.pc, a caller after its call returns
    // (a callback's caller at the helper call).
    std::array<uint32_t, isa::kMaxCallDepth> point{};
    for (size_t f = 0; f < n; ++f) {
        if (f + 1 == s.frames.size()) {
            point[f] = s.pc;
        } else {
            const auto callsite = uint32_t(s.frames[f + 1].callsite);
            point[f] = s.frames[f + 1].in_callback ? callsite : callsite + 1;
        }
    }
    // What the frames above f + 1 read through the pointers frame f + 1 was handed: from the top down.
    StackLiveness::ArgReads above;
    for (size_t f = n; f-- > 0;) {
        if (f + 1 == s.frames.size()) {
            live[f] = stack.live_before(s.pc);
            continue;
        }
        const auto callsite = uint32_t(s.frames[f + 1].callsite);
        StackLiveness::ArgReads reads = above;
        reads.join(stack.reads_through_args(point[f + 1]));
        StackLiveness::ArgReads below;
        if (point[f] >= program_.size()) {
            live[f] = StackLiveness::kAll;
            below.unknown = true;
        } else if (s.frames[f + 1].in_callback) {
            below.unknown = reads.unknown || reads != StackLiveness::ArgReads{};
            live[f] = below.unknown && stack.escapes(callsite) ? StackLiveness::kAll : stack.live_before(point[f]);
        } else {
            live[f] = stack.caller_slots(callsite, reads, below) | stack.live_after_return(callsite, point[f + 1]);
        }
        above = below;
    }
    return live;
}

Checkpoints::Verdict Checkpoints::visit(AbstractState& state, bool& relaxed, bool bounded_loop_head,
                                        bool may_store, bool may_store_in_loop) {
    relaxed = false;
    uninit_.clear();
    const LiveMasks live = live_masks(state);
    const StackMasks stack_live = stack_masks(state);
    auto& list = at_pc_[state.pc].entries;
    // An uninitialised register of an old state covers anything (reg_subsumes), so the key
    // leaves out every register some state reaching this point had uninitialised: a state
    // with a pointer there is still compared with it (the kernel's regsafe: rold NOT_INIT
    // is safe). The set only grows; when it does, the stored keys here are recomputed, so
    // old and new states always hash the same registers and a key mismatch still rules a
    // prune out.
    if (const uint16_t ni = live_not_init(state, live); ni & ~at_pc_[state.pc].not_init) {
        const uint16_t unkeyed = at_pc_[state.pc].not_init |= ni;
        for (uint32_t i : list) {
            all_[i].key = key_of(all_[i].state, live_masks(all_[i].state), unkeyed);
            work_ += state_size(all_[i].state);
        }
    }
    const uint64_t key = key_of(state, live, at_pc_[state.pc].not_init);
    uint64_t fp = 0;
    bool have_fp = false; // computed only when an ancestor is here to compare with
    work_ += state_size(state);
    // The kernel's loop rule (is_state_visited): where a checkpoint is still being explored,
    // this path went round a loop through it; iterations differ, so storing each one fills
    // the list with states that cannot complete before this path does, and their misses
    // push out the older ones that will (loxilb's round-robin backend choice, 32 iterations
    // that may each stop: 413,498 -> 44,966 processed, the kernel 67,351). Store only
    // now and then there, and count no misses in between.
    const bool looping = std::any_of(list.begin(), list.end(), [&](uint32_t i) { return all_[i].branches > 0; });
    const bool store_here = looping ? may_store_in_loop : may_store;
    Slot& slot = at_pc_[state.pc];
    // Stores the caller's heuristic did not ask for (below): only the very first counts
    // misses against the others, as any store the heuristic asks for does. Counting them
    // all evicted the states that covered later trips, and the walk gave up on loops it
    // had finished before (loxilb's tc_packet_func_masq and _slow: rejected).
    const bool every_nth = slot.passes_unstored + 1 >= kStoreEvery && (looping || list.size() < kExtraStoresUpTo);
    const bool extra_store = slot.stored < (looping ? 1 : kFirstStates) || every_nth;
    const bool will_store = store_here || slot.stored == 0; // the heuristic's store, or the first here (below)
    for (size_t k = 0; k < list.size();) {
        Checkpoint& cp = all_[list[k]];
        if (cp.branches == 0) {
            const size_t uninit_before = uninit_.size();
            // Awaiting its loop (the header): only a bounds match of everything live.
            const Mode mode = cp.awaits_loop ? Mode::Strict : Mode::Relaxed;
            if (cp.key == key && subsumes(cp.state, state, mode, live, work_, &stack_live,
                                          allow_uninit_stack_ && mode == Mode::Relaxed ? &uninit_ : nullptr,
                                          invalid_covers_pointers_)) {
                ++cp.hits;
                ++pruned_;
                relaxed = mode == Mode::Relaxed && !subsumes(cp.state, state, Mode::Strict, live, work_, &stack_live);
                // This path now relies on the checkpoint's continuation: whatever was
                // precise there must be precise in this path's own checkpoints too (and
                // what will be, once its loop completes).
                const PrecisionMask mask = precise_scalars(cp.state, live);
                if (cp.awaits_loop) add_backedge(state, list[k], live);
                if (!mask.empty()) propagate(state.parent, &state.history, mask);
                return Verdict::Prune;
            }
            uninit_.resize(uninit_before); // a failed comparison's matches do not count
        } else {
            if (!have_fp) {
                fp = fingerprint_of(state);
                have_fp = true;
            }
            if (!cp.has_fingerprint) { // stored states are fingerprinted on first need
                cp.fingerprint = fingerprint_of(cp.state);
                cp.has_fingerprint = true;
            }
            const bool same_run = bounded_loop_head || cp.state.callback_runs == state.callback_runs;
            if (same_run && cp.fingerprint == fp && subsumes(cp.state, state, Mode::Exact, live, work_)) {
                if (!bounded_loop_head) return Verdict::InfiniteLoop;
                // The same state as the ancestor, whose continuation is still being
                // explored: that exploration covers this path. What it will need precise
                // is not known yet: the walk keeps a backedge (the header); the loop
                // pass's joined states are not exact, so this path's own checkpoints
                // since then keep every scalar exact.
                const int32_t ancestor = list[k];
                if (!loop_pass_) {
                    add_backedge(state, ancestor, live);
                    ++cp.hits;
                    ++pruned_;
                    return Verdict::Prune;
                }
                std::vector<int32_t> marked;
                int32_t c = state.parent;
                while (c >= 0 && c != ancestor) {
                    Checkpoint& on_path = all_[size_t(c)];
                    if (on_path.forced_precise) { // an earlier walk marked up to there
                        c = on_path.forced_until;
                        continue;
                    }
                    mark_all_precise(on_path.state);
                    on_path.forced_precise = true;
                    marked.push_back(c);
                    c = on_path.parent;
                }
                for (int32_t m : marked) all_[size_t(m)].forced_until = c; // the ancestor, or -1
                ++cp.hits;
                ++pruned_;
                return Verdict::Prune;
            }
        }
        // The kernel's rule: a checkpoint that misses far more than it hits leaves the
        // list (a loop's ancestors too, or every iteration would add one for good). As in
        // is_state_visited, a miss counts only when this state is to be stored in its
        // place: a path that would not add one does not push older ones out (Cilium's
        // bpf_xdp tail_nodeport_nat_ingress_ipv6: 129,757 -> 122,387 processed; the kernel
        // 122,708). A checkpoint still being explored stays: nothing is compared with it
        // until it completes, so its misses say nothing about its use then. Round a loop
        // whose trips each reach the head in a dozen states (a byte scan with two flags:
        // bmc-cache's bmc_invalidate_cache_main), every store of a later trip pushed the
        // earlier trips' states out before their subtrees completed, and sibling paths
        // reaching those trips in the same states walked them again (our xdp_byte_scan_flags:
        // 206,980 -> 21,394 processed, Linux 6.18 24,813; on the real-world corpus Calico
        // -0.8%, loxilb -1.9%, bmc-cache -23%, every verdict the same).
        if (will_store) ++cp.misses;
        if (cp.misses > 3 * cp.hits + 3 && !cp.backedge_target && cp.branches == 0) {
            evict(list, k);
            continue;
        }
        ++k;
    }
    // Stored even when the caller's heuristic says not to:
    // - the first kFirstStates states to reach a point no loop passes through: a point where
    //   paths meet is usually reached first straight after another store (a branch's own
    //   checkpoint a few insns before), and without states there every later path arriving
    //   would run on to the next stored point; with one only, a later, more general state
    //   (an unknown protocol where the first path had TCP's constant) was not kept and
    //   every path after it ran on (Calico's accepted_entrypoint, Retina's packetparser);
    // - then every kStoreEvery-th arrival that stored nothing, round a loop, or elsewhere
    //   while the point holds fewer than kExtraStoresUpTo states. Round a loop: a
    //   loop whose every trip stores elsewhere first (a chunked checksum: a load and a helper
    //   call per trip) otherwise kept only its first trip's state at the head, and sibling
    //   paths reaching the same later trip in the same state each walked the rest of the
    //   loop (Calico's ipv4_frag: 131,141 -> 45,577 processed with the first rule, the
    //   kernel 113,018). Elsewhere: a point just after another store (an unrolled option
    //   parser whose every block has three pruning points within 8 insns) otherwise kept
    //   only its first states while the paths reaching it multiplied block by block
    //   (Retina's packetparser: 51,770 -> 50,331, the kernel 51,468). Without the
    //   kExtraStoresUpTo limit the extra states' comparisons took xvs's request program
    //   (a 750-trip checksum loop reached from 6 paths) past the work budget; with 16 its
    //   work stays under 100M of the 150M units, Retina at 50,529.
    // Measured on the real-world corpus (processed, sum), first rule and loops: Calico -27%,
    // Cilium -9%, xdp-tools -4%, loxilb -8%; the other points then: Calico -4%, xdp-tools
    // -14%, loxilb -2%, Cilium -2%, every verdict the same; state memory up to a third more
    // on Calico's tc_main (15.4 -> 21.2 MiB).
    if (!store_here && !extra_store) {
        ++slot.passes_unstored;
        return Verdict::Continue;
    }
    // A full list makes room by dropping its oldest checkpoint. Refusing the store instead
    // left a long loop's path with no checkpoint from the 64th trip on: its history grew
    // by every trip, and each precision walk along it with it (a checksum over 1,480
    // bytes: 72 ms and 31 MiB; 2,960 bytes: 457 ms and 191 MiB, the kernel 15 and 45 ms).
    // Full means kMaxPerInsn completed checkpoints: those still being explored (a long
    // loop's head holds one per few trips of the path walked) are not compared with until
    // they complete, and the kernel keeps them all; counting them, a 1,500-byte scan's
    // (bmc-cache's bmc_invalidate_cache_main) head dropped the completed states of its
    // earlier trips, which sibling paths then walked again (with the termination proof:
    // past 1M -> 607,864 processed, Linux 6.18 734,463; on the real-world corpus loxilb
    // -2%, bmc-cache -6%, xdp-forwarding +1%, every verdict the same). kMaxExploringPerInsn
    // bounds the list anyway (every arrival looks at each entry): beyond it the oldest of
    // any leaves; the scan needs more than 256. The loop pass counts every checkpoint
    // against kMaxPerInsn, as before: its joined states keep many points in progress at
    // once, and comparing each arrival with up to 1,024 of them made a fuzzed program's
    // loop pass 7x slower (0.3 -> 2.2 s) with nothing pruned the more.
    const auto counts = [&](uint32_t i) { return loop_pass_ || all_[i].branches == 0; };
    const size_t most = loop_pass_ ? kMaxPerInsn : kMaxExploringPerInsn;
    size_t counted = size_t(std::count_if(list.begin(), list.end(), counts));
    while (counted >= kMaxPerInsn || list.size() >= most) {
        const bool any = list.size() >= most;
        auto oldest = list.end();
        for (auto it = list.begin(); it != list.end(); ++it)
            if (!all_[*it].backedge_target && (any || counts(*it)) && (oldest == list.end() || *it < *oldest))
                oldest = it;
        if (oldest == list.end()) break;
        if (counts(*oldest)) --counted;
        evict(list, size_t(oldest - list.begin()));
    }
    slot.passes_unstored = 0;
    ++slot.stored;
    clear_singleton_ids(state);
    Checkpoint cp{state, 1, state.parent, key};
    work_ += state_size(state);
    retained_bytes_ += state_bytes(cp.state);
    all_.push_back(std::move(cp));
    list.push_back(uint32_t(all_.size() - 1));
    state.parent = int32_t(all_.size() - 1);
    state.history.clear();
    ++stored_;
    return Verdict::Continue;
}

void Checkpoints::evict(std::vector<uint32_t>& list, size_t k) {
    Checkpoint& cp = all_[list[k]];
    // Out of the list, nothing is compared with its state again: only its history stays (a
    // precision walk goes through it if it is an ancestor of live paths; what such walks
    // carried on from here is kept in passed_, so a later walk with the same bits stops
    // here, as a precise mark in the state would have stopped it: propagate).
    const uint64_t before = state_bytes(cp.state);
    cp.state.frames = {};
    cp.state.frames.shrink_to_fit();
    retained_bytes_ -= before - state_bytes(cp.state);
    cp.evicted = true;
    list[k] = list.back();
    list.pop_back();
}

void Checkpoints::mark_precise(const AbstractState& state, uint16_t regs) {
    if (regs == 0 || state.frames.empty() || state.frames.size() > isa::kMaxCallDepth) return;
    PrecisionMask mask;
    mask.regs[state.frames.size() - 1] = regs;
    propagate(state.parent, &state.history, mask);
}

bool Checkpoints::mark_constant_key(const AbstractState& state, int64_t start, uint32_t size) {
    const size_t depth = state.frames.size();
    if (depth == 0 || depth > isa::kMaxCallDepth || size == 0 || size > 8) return false;
    uint8_t bytes = uint8_t((1u << size) - 1);
    uint16_t regs = 0;
    struct Mark {
        int32_t cp;
        uint8_t bytes;
        uint16_t regs;
    };
    std::vector<Mark> marks; // checkpoints passed, with what they must hold exactly
    const std::vector<HistoryEntry>* history = &state.history;
    for (int32_t cp = state.parent;;) {
        work_ += history->size();
        const KeyTrace t = trace_constant_key(program_, *history, depth, start, bytes, regs);
        if (t == KeyTrace::Found) break;
        if (t == KeyTrace::Lost || cp < 0) return false;
        marks.push_back({cp, bytes, regs});
        history = &all_[size_t(cp)].state.history;
        cp = all_[size_t(cp)].parent;
    }
    for (const Mark& m : marks) {
        AbstractState& st = all_[size_t(m.cp)].state;
        if (st.frames.size() != depth) continue; // an ancestor keeps its frames; be safe anyway
        PrecisionMask mask;
        mask.regs[depth - 1] = m.regs;
        for (uint32_t i = 0; i < 8; ++i)
            if ((m.bytes >> i) & 1) { // the key's bytes, or the narrow spill holding them
                const uint64_t slot = uint64_t(1) << ((-(start + int64_t(i)) - 1) / 8);
                mask.slots[depth - 1] |= slot;
                mask.narrow[depth - 1] |= slot;
            }
        apply_precision(st, mask);
    }
    return true;
}

uint32_t Checkpoints::add_linked_copies(const PrecisionMask& copies) {
    linked_copies_.push_back(copies);
    work_ += sizeof(PrecisionMask) / 8;
    return uint32_t(linked_copies_.size());
}

void Checkpoints::mark_everything_precise(const AbstractState& state) {
    if (state.frames.empty() || state.frames.size() > isa::kMaxCallDepth) return;
    PrecisionMask mask;
    for (size_t f = 0; f < state.frames.size(); ++f) {
        mask.regs[f] = kAllRegs;
        mask.slots[f] = ~uint64_t(0);
        mask.narrow[f] = ~uint64_t(0);
    }
    propagate(state.parent, &state.history, mask);
}

void Checkpoints::propagate(int32_t cp, const std::vector<HistoryEntry>* history, PrecisionMask mask) {
    const int32_t first = cp;
    while (true) {
        for (auto it = history->rbegin(); it != history->rend(); ++it) {
            ++work_;
            const PrecisionMask* copies = it->linked ? &linked_copies_[it->linked - 1] : nullptr;
            if (!backtrack_insn(program_.insns[it->pc], *it, mask, copies)) {
                // Cannot follow the data flow: everything on the path becomes precise.
                for (int32_t c = first; c >= 0; c = all_[size_t(c)].parent)
                    mark_all_precise(all_[size_t(c)].state);
                return;
            }
        }
        if (cp < 0 || mask.empty()) return;
        Checkpoint& c = all_[size_t(cp)];
        if (c.forced_precise || c.evicted) {
            // Precise already, but the checkpoints before it were never told what this
            // mask needs (the loop pass: a later branch of a callback whose first path
            // returned to the helper call in progress there, say); or evicted, with no
            // state to mark: the mask goes on, less what went on from here before.
            if (!c.passed) {
                passed_.emplace_back();
                c.passed = uint32_t(passed_.size());
            }
            mask.drop_seen(passed_[c.passed - 1]);
            if (mask.empty()) return;
            PrecisionMask copy = mask;
            if (!c.state.frames.empty()) apply_precision(c.state, copy);
        } else {
            if (!c.state.frames.empty()) apply_precision(c.state, mask);
            if (mask.empty()) return;
        }
        history = &c.state.history;
        cp = c.parent;
    }
}

void Checkpoints::on_fork(int32_t parent) {
    if (parent >= 0) ++all_[size_t(parent)].branches;
}

void Checkpoints::on_path_end(int32_t parent) {
    while (parent >= 0) {
        Checkpoint& cp = all_[size_t(parent)];
        if (--cp.branches > 0) break;
        if (parent == loop_root_) settle_backedges();
        parent = cp.parent;
    }
}

void Checkpoints::add_backedge(const AbstractState& state, int32_t target, const LiveMasks& live) {
    all_[size_t(target)].backedge_target = true;
    backedges_.push_back({target, state.parent, state.history, live, {}});
    work_ += state.history.size();
    retained_bytes_ += state.history.size() * sizeof(HistoryEntry);
    // Every path in progress descends from each checkpoint in progress, so the outermost
    // (oldest) target is the root, and the pruned path's checkpoints up to it await it.
    // A target still in progress is marked too unless it is the root: it completes first.
    const int32_t root = loop_root_ < 0 ? target : std::min(loop_root_, target);
    int32_t c = state.parent;
    while (c >= 0 && c != root) {
        Checkpoint& on_path = all_[size_t(c)];
        ++work_;
        if (on_path.awaits_loop) { // marked up to its root then, which is this one or inside it
            c = on_path.awaits_until;
            continue;
        }
        on_path.awaits_loop = true;
        on_path.awaits_until = root;
        awaiting_.push_back(c);
        c = on_path.parent;
    }
    loop_root_ = root;
}

void Checkpoints::settle_backedges() {
    // A backedge's path may pass through another's target, so masks go round until
    // none grows; each goes along its path once per new bit.
    for (bool grew = true; grew;) {
        grew = false;
        for (size_t i = 0; i < backedges_.size(); ++i) {
            Backedge& b = backedges_[i];
            PrecisionMask mask = precise_scalars(all_[size_t(b.target)].state, b.live);
            mask.drop_seen(b.sent);
            if (mask.empty()) continue;
            grew = true;
            propagate(b.parent, &b.history, mask);
        }
    }
    for (int32_t c : awaiting_) all_[size_t(c)].awaits_loop = false;
    for (const Backedge& b : backedges_) {
        all_[size_t(b.target)].backedge_target = false;
        retained_bytes_ -= b.history.size() * sizeof(HistoryEntry);
    }
    awaiting_.clear();
    backedges_.clear();
    loop_root_ = -1;
}

} // namespace ebpfjit::verifier
