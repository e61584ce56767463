// Conditional jumps: each feasible edge gets a copy of the state narrowed by what the
// comparison proves (scalar bounds, packet ranges, NULL checks); an edge no value can
// take is not explored.
#include <fmt/format.h>

#include "ebpfjit/limits.hpp"
#include "verifier/analyzer.hpp"
#include "verifier/branch_refine.hpp"

namespace ebpfjit::verifier {

namespace {

// All copies of a scalar (same id) learn the same bounds.
void set_scalar(AbstractState& st, uint8_t regno, const Scalar& v) {
    RegState& r = st.reg(regno);
    r.var = v;
    if (r.id == 0) return;
    const uint32_t id = r.id;
    st.for_each_reg([&](RegState& o) {
        if (o.is_scalar() && o.id == id) o.var = v;
    });
}

// mem programs: the buffer holds at least `min_len` bytes.
void apply_mem_length(AbstractState& st, uint64_t min_len, int64_t max_off) {
    uint32_t range = uint32_t(std::min<uint64_t>(min_len, uint64_t(max_off)));
    st.for_each_reg([&](RegState& o) {
        if (o.type == RegType::Packet && o.id == 0) o.range = std::max(o.range, range);
    });
}

bool refine_scalars(AbstractState& st, uint8_t d, const isa::Reg* src, const Scalar& imm, Relation rel, bool is32,
                    int64_t max_off) {
    Scalar a = st.reg(d).var;
    Scalar b = src ? st.reg(src->n).var : imm;
    if (src && src->n == d) { // comparing a register with itself
        switch (rel) {
        case Relation::Eq: case Relation::Le: case Relation::Ge: case Relation::SLe: case Relation::SGe: return true;
        case Relation::Ne: case Relation::Lt: case Relation::Gt: case Relation::SLt: case Relation::SGt: return false;
        default: break;
        }
        // r & r is r: Set means r != 0, NotSet means r == 0.
        Scalar zero = Scalar::constant(0);
        if (!refine(a, zero, rel == Relation::Set ? Relation::Ne : Relation::Eq, is32)) return false;
        set_scalar(st, d, a);
        return true;
    }
    if (!refine(a, b, rel, is32)) return false;
    set_scalar(st, d, a);
    if (src) set_scalar(st, src->n, b);
    if (st.reg(d).is_mem_length) apply_mem_length(st, a.umin, max_off);
    if (src && st.reg(src->n).is_mem_length) apply_mem_length(st, b.umin, max_off);
    return true;
}

RegType non_null(RegType t) {
    switch (t) {
    case RegType::MapValueOrNull: return RegType::MapValue;
    case RegType::MapPtrOrNull: return RegType::MapPtr;
    case RegType::MemOrNull: return RegType::Mem;
    case RegType::SocketOrNull: return RegType::Socket;
    case RegType::SockCommonOrNull: return RegType::SockCommon;
    default: return t;
    }
}

// Every copy of a helper result (same id) becomes NULL or a valid pointer.
void resolve_null_check(AbstractState& st, uint32_t id, bool is_null) {
    if (is_null) st.release_ref(id); // a NULL record was never reserved
    st.for_each_reg([&](RegState& o) {
        if (!o.may_be_null() || o.id != id) return;
        if (is_null) {
            o = RegState::scalar(Scalar::constant(0));
        } else {
            // Map values need the id no more, except to name the bpf_spin_lock inside one
            // (the kernel keeps it too); an acquired reference (ringbuf record, socket)
            // keeps it until released.
            const bool names_lock = o.type == RegType::MapValueOrNull && o.map && o.map->spin_lock_offset >= 0;
            if (!st.find_ref(id) && !names_lock) o.id = 0;
            o.type = non_null(o.type);
        }
    });
}

bool is_packet_start(const RegState& r) {
    return r.type == RegType::Packet && r.id == 0 && r.off == 0 && r.var.is_const() && r.var.value() == 0;
}

// `p rel end` holds: bytes up to p's offset are in the region, for every copy of p, and
// the byte at p too when p < end (the kernel's find_good_pkt_pointers, range_right_open).
void prove_packet_range(AbstractState& st, const RegState& p, Relation rel, int64_t max_off) {
    if (rel != Relation::Le && rel != Relation::Lt && rel != Relation::Eq) return;
    if (p.off < 0 || p.var.umax > uint64_t(max_off) || int64_t(p.var.umax) + p.off > max_off)
        return;
    const uint32_t range = uint32_t(p.off) + (rel == Relation::Lt ? 1 : 0);
    st.for_each_reg([&](RegState& o) {
        if (o.type == p.type && o.id == p.id) o.range = std::max(o.range, range);
    });
}

// The kernel's mark_pkt_end: on an edge where `p > end` (or `p >= end`) holds, the
// register compared, not its copies, is known to point past the end (at it).
void mark_past_end(AbstractState& st, uint8_t regno, Relation rel) {
    RegState& r = st.reg(regno);
    if (r.type != RegType::Packet) return;
    if (rel == Relation::Gt) r.end_mark = EndMark::BeyondEnd;
    else if (rel == Relation::Ge && r.end_mark == EndMark::None) r.end_mark = EndMark::AtEnd;
}

// Whether `p rel end` holds for a packet pointer with mark `m`: 1 always, 0 never, -1 either
// (the kernel's is_pkt_ptr_branch_taken, and the equalities the marks decide too).
int holds_past_end(EndMark m, Relation rel) {
    if (m == EndMark::BeyondEnd) {
        if (rel == Relation::Gt || rel == Relation::Ge || rel == Relation::Ne) return 1;
        if (rel == Relation::Lt || rel == Relation::Le || rel == Relation::Eq) return 0;
    } else if (m == EndMark::AtEnd) {
        if (rel == Relation::Ge) return 1;
        if (rel == Relation::Lt) return 0;
    }
    return -1;
}

// A comparison of packet pointer `p` (register `regno`) with the end, `p rel end` on the
// taken edge: the edge its mark rules out is dead; each live edge proves a range for p's
// copies or marks p past the end.
void compare_with_end(AbstractState& taken, AbstractState& fall, uint8_t regno, const RegState& p, Relation rel_taken,
                      Relation rel_fall, int64_t max_off, bool& taken_ok, bool& fall_ok) {
    if (const int t = holds_past_end(p.end_mark, rel_taken); t >= 0) (t ? fall_ok : taken_ok) = false;
    prove_packet_range(taken, p, rel_taken, max_off);
    prove_packet_range(fall, p, rel_fall, max_off);
    mark_past_end(taken, regno, rel_taken);
    mark_past_end(fall, regno, rel_fall);
}

} // namespace

int64_t Analyzer::max_packet_offset() const {
    constexpr int64_t kMaxPacketOffset = 0xffff;        // the kernel's MAX_PACKET_OFF
    return input_.type == ProgramType::Mem ? int64_t(kMaxMemSize) : kMaxPacketOffset; // ebpfjit/limits.hpp
}

int64_t Analyzer::max_region_length() const {
    return input_.type == ProgramType::Mem ? max_packet_offset() : kMaxPacketLength;
}

// The copies (same id) of the scalars a jump compares, in every frame: the history
// entry's link to them (precision.hpp backtrack_insn).
void Analyzer::record_linked_copies(const AbstractState& s, uint32_t id_a, uint32_t id_b) {
    PrecisionMask copies;
    int count = 0;
    auto linked = [&](const RegState& r) { return r.is_scalar() && r.id != 0 && (r.id == id_a || r.id == id_b); };
    for (size_t f = 0; f < s.frames.size() && f < copies.regs.size(); ++f) {
        const FrameState& frame = s.frames[f];
        for (uint8_t r = 0; r < isa::kNumRegisters; ++r)
            if (linked(frame.regs[r])) {
                copies.regs[f] |= uint16_t(1u << r);
                ++count;
            }
        const auto& slots = frame.stack.slots();
        for (size_t i = 0; i < slots.size() && i < 64; ++i)
            if ((slots[i].is_spill() || slots[i].narrow) && linked(slots[i].spilled)) {
                (slots[i].narrow ? copies.narrow[f] : copies.slots[f]) |= uint64_t(1) << i;
                ++count;
            }
    }
    if (count > 1) entry_.linked = checkpoints_.add_linked_copies(copies);
}

Status Analyzer::exec_jump(AbstractState& s, const isa::Jump& insn, Step& step) {
    if (insn.cond == isa::Cond::Always) {
        s.pc = uint32_t(insn.target);
        return {};
    }
    const uint8_t d = insn.dst.n;
    if (auto st = read_reg(s, d); !st) return st;
    const auto* src = std::get_if<isa::Reg>(&insn.src);
    if (src)
        if (auto st = read_reg(s, src->n); !st) return st;
    const Scalar imm = src ? Scalar::unknown() : Scalar::constant(uint64_t(int64_t(std::get<isa::Imm>(insn.src).v)));
    const RegState a = s.reg(d);
    const RegState b = src ? s.reg(src->n) : RegState::scalar(imm);
    const Relation rel_taken = edge_relation(insn.cond, true);
    const Relation rel_fall = edge_relation(insn.cond, false);

    AbstractState taken = s;
    taken.pc = uint32_t(insn.target);
    s.pc += 1;
    bool taken_ok = true, fall_ok = true;

    if (a.is_scalar() && b.is_scalar()) {
        const int64_t max_off = max_packet_offset();
        taken_ok = refine_scalars(taken, d, src, imm, rel_taken, insn.is32, max_off);
        fall_ok = refine_scalars(s, d, src, imm, rel_fall, insn.is32, max_off);
        // Loop pass: the relation between the operands; an edge the zone rules out is dead.
        taken_ok = taken_ok && relate_branch(taken, d, src, rel_taken, insn.is32, a, b);
        fall_ok = fall_ok && relate_branch(s, d, src, rel_fall, insn.is32, a, b);
        // A decided jump teaches nothing new (the kernel links copies only then too).
        if ((a.id || b.id) && taken_ok && fall_ok) record_linked_copies(s, a.id, b.id);
        // An edge ruled out by the bounds, or a range proven from the mem length, holds
        // only for values within these bounds.
        if (!(taken_ok && fall_ok) || a.is_mem_length || b.is_mem_length) {
            if (src) mark_precise(s, {d, src->n});
            else mark_precise(s, {d});
        }
    } else {
        auto describe_both = [&] {
            return src ? fmt::format("{}, {}", describe(s, d), describe(s, src->n)) : describe(s, d);
        };
        // Privileged (opt-in): any comparison is allowed; what it is not one of the cases
        // below proves nothing, so both edges go on unchanged.
        const bool leaks_ok = leaks_allowed();
        if (insn.is32 && !leaks_ok)
            return violation(Reason::PointerComparison, fmt::format("32-bit comparison of a pointer: {}", describe_both()));
        const bool eq_ne = insn.cond == isa::Cond::Eq || insn.cond == isa::Cond::Ne;
        if (insn.is32) {
            // leaks allowed: a 32-bit view of a pointer proves nothing
        } else if (eq_ne && ((a.is_pointer() && b.is_null_const()) || (b.is_pointer() && a.is_null_const()))) {
            const RegState& p = a.is_pointer() ? a : b;
            if (src) mark_precise(s, {a.is_pointer() ? src->n : d}); // the NULL must stay a NULL
            AbstractState& null_edge = insn.cond == isa::Cond::Eq ? taken : s;
            AbstractState& valid_edge = insn.cond == isa::Cond::Eq ? s : taken;
            if (p.may_be_null()) {
                resolve_null_check(null_edge, p.id, true);
                resolve_null_check(valid_edge, p.id, false);
            } else { // a valid pointer is never NULL
                (insn.cond == isa::Cond::Eq ? taken_ok : fall_ok) = false;
            }
        } else if (a.is_packet_like() && b.is_packet_like()) {
            if (a.type == RegType::Packet && b.type == RegType::PacketEnd) {
                compare_with_end(taken, s, d, a, rel_taken, rel_fall, max_packet_offset(), taken_ok, fall_ok);
            } else if (a.type == RegType::PacketEnd && b.type == RegType::Packet) {
                compare_with_end(taken, s, src->n, b, swap_operands(rel_taken), swap_operands(rel_fall),
                                 max_packet_offset(), taken_ok, fall_ok);
            } else if (a.type == RegType::PacketMeta && is_packet_start(b)) {
                prove_packet_range(taken, a, rel_taken, max_packet_offset());
                prove_packet_range(s, a, rel_fall, max_packet_offset());
            } else if (is_packet_start(a) && b.type == RegType::PacketMeta) {
                prove_packet_range(taken, b, swap_operands(rel_taken), max_packet_offset());
                prove_packet_range(s, b, swap_operands(rel_fall), max_packet_offset());
            }
            // Other packet-to-packet comparisons are allowed and prove nothing. The loop
            // pass's zone learns from all of them (offsets of data pointers and the end).
            taken_ok = taken_ok && relate_branch(taken, d, src, rel_taken, insn.is32, a, b);
            fall_ok = fall_ok && relate_branch(s, d, src, rel_fall, insn.is32, a, b);
        } else if (!leaks_ok) {
            // Comparing with data would reveal the address bit by bit (kernel unprivileged:
            // "pointer comparison prohibited"). NULL checks and packet-to-packet
            // comparisons above reveal only offsets.
            return violation(Reason::PointerComparison,
                             fmt::format("comparison involving a pointer is prohibited: {}", describe_both()));
        }
    }
    if (taken_ok && fall_ok) {
        step.forked = std::move(taken);
    } else if (taken_ok) {
        s = std::move(taken);
    } else if (!fall_ok) {
        step.path_ended = true; // no value reaches here: the path was infeasible
    }
    return {};
}

} // namespace ebpfjit::verifier
