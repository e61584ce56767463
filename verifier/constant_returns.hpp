// What a subprogram returns, traced backward to the constants set on the way, and a
// caller's live stack slots after a call given its return value (stack_liveness.hpp
// live_after_return). Used only by stack_liveness.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "isa/instruction.hpp"

namespace ebpfjit::verifier::constant_returns {

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

// Registers whose values are known constants, for the walk after a call returns.
struct Consts {
    uint16_t known = 0;
    std::array<uint64_t, isa::kNumRegisters> v{};
    std::optional<uint64_t> get(uint8_t r) const {
        return r < isa::kNumRegisters && (known >> r & 1) ? std::optional<uint64_t>(v[r]) : std::nullopt;
    }
    void set(uint8_t r, std::optional<uint64_t> x) {
        if (r >= isa::kNumRegisters) return;
        if (x) {
            known = uint16_t(known | 1u << r);
            v[r] = *x;
        } else {
            known = uint16_t(known & ~(1u << r));
        }
    }
    std::optional<uint64_t> operand(const isa::Operand& o) const {
        if (const auto* imm = std::get_if<isa::Imm>(&o)) return uint64_t(int64_t(imm->v));
        return get(std::get<isa::Reg>(o).n);
    }
};

// The returns before `insn`, from those after it (backward).
Returns returns_before(const isa::Instruction& insn, Returns after, bool tail_call);

// Slots live before `pc` on the paths the known constants allow (the machine's own
// semantics: isa/alu_semantics.hpp), a jump on known operands going one way only. Where
// nothing is known any more, or after `budget` slots, the path-insensitive liveness.
uint64_t live_given(const isa::Program& program, size_t pc, Consts c, const std::vector<uint64_t>& use,
                    const std::vector<uint64_t>& def, const std::vector<uint64_t>& live_in, int& budget);

} // namespace ebpfjit::verifier::constant_returns
