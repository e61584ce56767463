// version_checked_loops: single-path loops with checked accesses -> LoopVersion
// (hoist_checks.hpp says what one means, how the backends emit it and why it is safe).
//
// The loops taken: a backward jump to `head` closing [head, back_edge] with the counter
// test of the copy idiom (idioms_sym.hpp: `if counter < bound goto head`, or `if counter
// == bound goto back_edge + 1; goto head`), whose body is straight-line code with only
// side exits (conditional jumps leaving [head, back_edge]): no call of any kind, no exit,
// no atomic, no legacy packet load, no other jump, no register beyond r10 (blinded code).
// The body is evaluated once symbolically along that path; every checked load or store
// whose address is affine in inductions and unchanged registers (stride 0, 1 or 2 bytes
// per trip) gets a range and loses its check in the version; any other checked access
// keeps its check there. Facts are not read: only LoweredSlot::checked_access, the
// lowering's record of which accesses the verifier did not prove.
#include <algorithm>
#include <array>
#include <optional>
#include <variant>

#include "jit/idioms_sym.hpp"
#include "jit/lowering_passes.hpp"

namespace ebpfjit::jit::detail {

namespace {

using namespace isa;
using idiom::add;
using idiom::classify;
using idiom::compared_operands;
using idiom::counted_loop_test;
using idiom::counter_below_bound;
using idiom::fits_int32;
using idiom::for_each_back_edge;
using idiom::kRegs;
using idiom::Roles;
using idiom::stride;
using idiom::Sym;
using idiom::to_expr;

// Slots per loop: the version doubles the loop's code, so keep it to short loops.
constexpr uint32_t kMaxBody = 256;

class VersionMatcher {
public:
    VersionMatcher(const Lowered& out, uint32_t head, uint32_t back_edge)
        : out_(out), head_(head), back_edge_(back_edge) {}

    std::optional<LoopVersion> match() {
        if (back_edge_ - head_ > kMaxBody) return std::nullopt;
        const auto test = counted_loop_test(out_, head_, back_edge_);
        if (!test) return std::nullopt;
        const uint32_t compare = test->compare;
        const Cond cont = test->cont;
        if (!evaluate(compare)) return std::nullopt;
        const Roles roles = classify(state_, written_);

        LoopVersion v;
        v.head = head_;
        v.back_edge = back_edge_;
        v.exit = back_edge_ + 1;
        const auto operands = compared_operands(out_, compare, state_);
        if (!operands) return std::nullopt;
        const auto& [lhs, rhs] = *operands;
        if (!counter_below_bound(cont, lhs, rhs, roles, v.counter, v.bound)) return std::nullopt;

        for (const Access& a : accesses_) {
            const int s = stride(a.addr, roles);
            IdiomExpr start;
            if (s < 0 || s > 2 || !to_expr(a.addr, start)) continue; // stays checked in the version
            add_range(v, HoistedRange{start, static_cast<uint8_t>(s), a.size, a.write});
            v.unchecked.push_back(a.pc);
        }
        if (v.unchecked.empty()) return std::nullopt;
        return v;
    }

private:
    struct Access {
        uint32_t pc;
        Sym addr;
        uint8_t size;
        bool write;
    };


    // One range per address and stride: the widest size, writable if any access writes
    // (a writable region is readable: a load inside it is allowed too).
    static void add_range(LoopVersion& v, const HoistedRange& r) {
        for (HoistedRange& have : v.ranges) {
            if (have.start.reg_a == r.start.reg_a && have.start.reg_b == r.start.reg_b &&
                have.start.constant == r.start.constant && have.stride == r.stride) {
                have.size = std::max(have.size, r.size);
                have.write = have.write || r.write;
                return;
            }
        }
        v.ranges.push_back(r);
    }

    bool evaluate(uint32_t compare) {
        for (uint8_t r = 0; r < kRegs; ++r) state_[r] = Sym::reg(r);
        for (uint32_t pc = head_; pc < compare; ++pc) {
            const LoweredSlot& slot = out_.slots[pc];
            if (!slot.emit) continue; // rewritten to nothing: no effect
            if (slot.call != CallRole::None || slot.block_op >= 0 || slot.loop_version >= 0) return false;
            if (!std::visit([&](const auto& insn) { return step(pc, insn); }, slot.insn)) return false;
        }
        return true;
    }

    bool reg_ok(uint8_t r) const { return r < kRegs; }

    void write(uint8_t r, const Sym& v) {
        state_[r] = v.affine() && !fits_int32(v.constant) ? Sym{} : v;
        written_[r] = true;
    }

    // Any ALU operation: its destination is followed when it is a 64-bit mov/add/sub,
    // unknown otherwise (no address or counter that reads it qualifies).
    bool step(uint32_t pc, const Alu& a) {
        if (!reg_ok(a.dst.n)) return false;
        Sym src;
        if (const auto* r = std::get_if<Reg>(&a.src)) {
            if (!reg_ok(r->n)) return false;
            src = state_[r->n];
        } else {
            src = Sym::constant_of(static_cast<int64_t>(out_.slots[pc].constant));
        }
        Sym d;
        if (a.is64 && a.op == AluOp::Mov) d = src;
        else if (a.is64 && a.op == AluOp::Add) d = add(state_[a.dst.n], src);
        else if (a.is64 && a.op == AluOp::Sub && std::holds_alternative<Imm>(a.src))
            d = add(state_[a.dst.n], Sym::constant_of(-src.constant));
        write(a.dst.n, d);
        return true;
    }

    bool step(uint32_t pc, const Load& l) {
        if (!reg_ok(l.dst.n) || !reg_ok(l.base.n)) return false;
        if (out_.slots[pc].checked_access)
            accesses_.push_back({pc, add(state_[l.base.n], Sym::constant_of(l.off)), static_cast<uint8_t>(l.size), false});
        write(l.dst.n, Sym{});
        return true;
    }

    bool step(uint32_t pc, const Store& s) {
        if (!reg_ok(s.base.n)) return false;
        if (const auto* r = std::get_if<Reg>(&s.src); r != nullptr && !reg_ok(r->n)) return false;
        if (out_.slots[pc].checked_access)
            accesses_.push_back({pc, add(state_[s.base.n], Sym::constant_of(s.off)), static_cast<uint8_t>(s.size), true});
        return true;
    }

    bool step(uint32_t, const LoadImm64& l) {
        if (!reg_ok(l.dst.n)) return false;
        write(l.dst.n, Sym{});
        return true;
    }

    bool step(uint32_t, const Endian& e) {
        if (!reg_ok(e.dst.n)) return false;
        write(e.dst.n, Sym{});
        return true;
    }

    // A side exit: a conditional jump out of [head, back_edge]. It only ends the loop early.
    bool step(uint32_t, const Jump& j) {
        if (j.cond == Cond::Always || j.target < 0 || !reg_ok(j.dst.n)) return false;
        if (const auto* r = std::get_if<Reg>(&j.src); r != nullptr && !reg_ok(r->n)) return false;
        const auto target = static_cast<uint32_t>(j.target);
        return target < head_ || target > back_edge_;
    }

    template <class Other>
    bool step(uint32_t, const Other&) {
        return false; // calls, exits, atomics, legacy packet loads, LDDW second slots
    }

    const Lowered& out_;
    uint32_t head_, back_edge_;
    std::array<Sym, kRegs> state_{};
    std::array<bool, kRegs> written_{};
    std::vector<Access> accesses_;
};

} // namespace

void version_checked_loops(Lowered& out, bool block_ops) {
    for_each_back_edge(out, [&](uint32_t head, uint32_t b) {
        if (out.slots[head].block_op >= 0 || out.slots[head].loop_version >= 0) return;
        auto v = VersionMatcher(out, head, b).match();
        if (!v) return;
        if (block_ops) v->block_op = match_ranged_block_idiom(out, head, b, v->unchecked);
        out.slots[v->exit].label = true;
        out.slots[head].loop_version = static_cast<int32_t>(out.loop_versions.size());
        out.loop_versions.push_back(std::move(*v));
    });
}

} // namespace ebpfjit::jit::detail
