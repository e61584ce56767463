// The symbolic values both idiom matchers (idioms.cpp, idioms_compare.cpp) evaluate a loop
// body with: an affine form over the registers' values at the loop head (at most two
// registers, each with coefficient 1, plus a constant), or the byte a load in this
// iteration read, or unknown.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <utility>
#include <variant>

#include "isa/instruction.hpp"
#include "jit/idioms.hpp"
#include "jit/lowering.hpp"

namespace ebpfjit::jit::detail::idiom {

constexpr uint8_t kRegs = 11; // r0..r10 (ax, r11, only appears in blinded code: rejected)

struct Sym {
    enum class Kind : uint8_t { Affine, Loaded, Unknown };
    Kind kind = Kind::Unknown;
    std::array<int8_t, 2> regs{-1, -1};
    int64_t constant = 0;
    uint8_t load = 0; // Loaded: which of the body's loads (in path order)

    static Sym reg(uint8_t r) { return Sym{Kind::Affine, {static_cast<int8_t>(r), -1}, 0}; }
    static Sym constant_of(int64_t c) { return Sym{Kind::Affine, {-1, -1}, c}; }
    static Sym loaded(uint8_t index) { return Sym{Kind::Loaded, {-1, -1}, 0, index}; }
    bool affine() const { return kind == Kind::Affine; }
    bool is_constant() const { return affine() && regs[0] < 0 && regs[1] < 0; }
};

inline Sym add(const Sym& a, const Sym& b) {
    if (!a.affine() || !b.affine()) return Sym{};
    Sym out = a;
    out.constant = a.constant + b.constant; // |constants| stay small: imm32 sums, checked by callers
    for (int8_t r : b.regs) {
        if (r < 0) continue;
        if (out.regs[0] < 0) out.regs[0] = r;
        else if (out.regs[1] < 0 && out.regs[0] != r) out.regs[1] = r;
        else return Sym{}; // a third register, or one twice (coefficient 2)
    }
    return out;
}

inline bool fits_int32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

// What a loop body does to a register, judged from its value at the back edge.
enum class Role : uint8_t { Unchanged, Induction, Temporary };
using Roles = std::array<Role, kRegs>;

// Unchanged: not written, or written back to itself; Induction: r + 1 each trip;
// Temporary: anything else.
inline Roles classify(const std::array<Sym, kRegs>& at_back_edge, const std::array<bool, kRegs>& written) {
    Roles roles{};
    for (uint8_t r = 0; r < kRegs; ++r) {
        const Sym& s = at_back_edge[r];
        const bool own = s.affine() && s.regs[0] == static_cast<int8_t>(r) && s.regs[1] < 0;
        if (!written[r] || (own && s.constant == 0)) roles[r] = Role::Unchanged;
        else if (own && s.constant == 1) roles[r] = Role::Induction;
        else roles[r] = Role::Temporary;
    }
    return roles;
}

// Inductions `s` reads; -1 when it is not usable (not affine, or it reads a temporary's
// head value, which is the previous iteration's).
inline int stride(const Sym& s, const Roles& roles) {
    if (!s.affine()) return -1;
    int n = 0;
    for (int8_t r : s.regs) {
        if (r < 0) continue;
        if (roles[static_cast<size_t>(r)] == Role::Temporary) return -1;
        n += roles[static_cast<size_t>(r)] == Role::Induction;
    }
    return n;
}

// `s` as an IdiomExpr (registers + constant), if it is affine with an int32 constant.
inline bool to_expr(const Sym& s, IdiomExpr& e) {
    if (!s.affine() || !fits_int32(s.constant)) return false;
    e.reg_a = s.regs[0];
    e.reg_b = s.regs[1];
    e.constant = static_cast<int32_t>(s.constant);
    return true;
}

// The loop's trip test, `lhs cont rhs` staying in the loop, as a counter rising by 1 per
// trip below a bound that does not move (counter != / < bound, or bound > counter): then
// iteration D = bound - counter is the last. False for any other test.
inline bool counter_below_bound(isa::Cond cont, const Sym& lhs, const Sym& rhs, const Roles& roles,
                                IdiomExpr& counter, IdiomExpr& bound) {
    const Sym* c = nullptr;
    const Sym* b = nullptr;
    if (cont == isa::Cond::Lt || (cont == isa::Cond::Ne && stride(lhs, roles) == 1)) c = &lhs, b = &rhs;
    else if (cont == isa::Cond::Gt || cont == isa::Cond::Ne) c = &rhs, b = &lhs;
    else return false;
    return stride(*c, roles) == 1 && stride(*b, roles) == 0 && to_expr(*c, counter) && to_expr(*b, bound);
}

// `if c goto exit` leaves the loop when c holds: it continues while !c (Always: not a
// form the matchers handle).
inline isa::Cond continue_condition_of_exit(isa::Cond c) {
    switch (c) {
    case isa::Cond::Eq: return isa::Cond::Ne;
    case isa::Cond::Ge: return isa::Cond::Lt;
    case isa::Cond::Le: return isa::Cond::Gt;
    default: return isa::Cond::Always;
    }
}

// The last emitted slot before pc in [floor, pc), if any.
inline std::optional<uint32_t> previous_emitted(const Lowered& out, uint32_t pc, uint32_t floor) {
    while (pc > floor) {
        --pc;
        if (out.slots[pc].emit) return pc;
    }
    return std::nullopt;
}

// The test of a counted loop from head to back_edge, in either form clang writes: a
// conditional back edge (`if c goto head`), or `if exit_c goto back_edge + 1; goto head`.
struct LoopTest {
    uint32_t compare; // the 64-bit compare-and-jump slot
    isa::Cond cont;   // the loop goes on while this holds: Ne, Lt or Gt
};

// nullopt for any other form (a 32-bit compare, another condition, another exit).
inline std::optional<LoopTest> counted_loop_test(const Lowered& out, uint32_t head, uint32_t back_edge) {
    const auto& jb = std::get<isa::Jump>(out.slots[back_edge].insn);
    LoopTest t{back_edge, jb.cond};
    if (jb.cond == isa::Cond::Always) {
        const auto prev = previous_emitted(out, back_edge, head);
        if (!prev) return std::nullopt;
        const auto* jc = std::get_if<isa::Jump>(&out.slots[*prev].insn);
        if (jc == nullptr || jc->cond == isa::Cond::Always || static_cast<uint32_t>(jc->target) != back_edge + 1)
            return std::nullopt;
        t = {*prev, continue_condition_of_exit(jc->cond)};
    }
    const auto& jc = std::get<isa::Jump>(out.slots[t.compare].insn);
    if (jc.is32 || jc.dst.n >= kRegs || (t.cont != isa::Cond::Ne && t.cont != isa::Cond::Lt && t.cont != isa::Cond::Gt))
        return std::nullopt;
    return t;
}

// The two operands the loop test at `compare` compares, as the body's evaluation left them
// at that slot (`at_compare`); nullopt if it names a register the matchers do not track.
inline std::optional<std::pair<Sym, Sym>> compared_operands(const Lowered& out, uint32_t compare,
                                                           const std::array<Sym, kRegs>& at_compare) {
    const auto& jc = std::get<isa::Jump>(out.slots[compare].insn);
    if (const auto* r = std::get_if<isa::Reg>(&jc.src)) {
        if (r->n >= kRegs) return std::nullopt;
        return std::pair{at_compare[jc.dst.n], at_compare[r->n]};
    }
    return std::pair{at_compare[jc.dst.n], Sym::constant_of(static_cast<int64_t>(out.slots[compare].constant))};
}

// Calls f(head, back_edge) for every backward jump whose loop can take code in front of
// its head's label (a block op, a loop version): the head is not its subprogram's first
// slot (the prologue follows that label) and the loop's exit, the slot after the back
// edge, is inside the subprogram. f may mark slots of `out`, not add or remove them.
template <class F>
void for_each_back_edge(const Lowered& out, F&& f) {
    for (const Subprogram& sub : out.subprograms) {
        for (auto b = static_cast<uint32_t>(sub.start); b < static_cast<uint32_t>(sub.end); ++b) {
            const LoweredSlot& slot = out.slots[b];
            const auto* j = std::get_if<isa::Jump>(&slot.insn);
            if (!slot.emit || j == nullptr || j->target < 0 || static_cast<uint32_t>(j->target) > b) continue;
            const auto head = static_cast<uint32_t>(j->target);
            if (head <= static_cast<uint32_t>(sub.start) || b + 1 >= static_cast<uint32_t>(sub.end)) continue;
            f(head, b);
        }
    }
}

} // namespace ebpfjit::jit::detail::idiom
