// What the verifier proved, handed to the lowering pass (jit::lower) so that the
// backends emit no checks the proof makes unnecessary. All vectors are indexed by slot
// and either empty (nothing proved: be conservative) or program-sized.
#pragma once

#include <cstdint>
#include <vector>

namespace ebpfjit::verifier {

// The kernel's insn_aux_data for context accesses (what its convert_ctx_accesses reads):
// a load/store/atomic whose base register held the unmodified ctx pointer on every path
// that reached it, and the ctx field it touches. The runtime rewrites exactly these
// slots for the host ctx layout (runtime/context/rewrite_ctx_access.hpp) and no others.
struct CtxAccess {
    bool via_ctx = false;      // false: not a ctx access, or not reached
    uint16_t field_offset = 0; // uapi offset of the field's first byte
    uint8_t field_size = 0;    // the field's size in the uapi struct (arrays: all of it)
    bool operator==(const CtxAccess&) const = default;
};

// Stack bytes of one subprogram's frame that some path may read before writing them
// (VerifierInput::allow_uninit_stack): [lo, hi) relative to that frame's r10, lo < hi <= 0.
// Every engine zeroes exactly these bytes whenever a frame of the subprogram is entered
// (program entry, tail-call entry, local call, callback), so such a read sees 0, never what
// an earlier frame or run left there.
struct StackZero {
    uint32_t subprogram_start = 0; // slot of the subprogram's first instruction
    int32_t lo = 0;
    int32_t hi = 0;
    bool operator==(const StackZero&) const = default;
};

struct Facts {
    // false: no path reaches this slot; the lowering emits no code for it, only a trap
    // where emitted code could enter a run of such slots (jit/unreachable_runs.hpp), and
    // the interpreter stops before it.
    std::vector<bool> reachable;
    // Loads/stores/atomics proven inside their region on every path.
    std::vector<bool> access_in_bounds;
    // Div/mod whose divisor is proven non-zero (and, for signed ops, not -1 with INT_MIN).
    std::vector<bool> divisor_safe;
    // Bit n set: before this slot, rn's upper 32 bits are known zero on every path.
    std::vector<uint16_t> upper32_zero;
    // Which slots access the ctx, and which field (both levels fill it: Full from its
    // symbolic execution, Structural from structural_ctx_typing). Empty: nothing recorded.
    std::vector<CtxAccess> ctx_access;
    // Loop heads (slots, ascending) whose termination nothing proved: the loop pass
    // joined states there (docs/loop-verification.md). Memory safety holds for every
    // trip count; the runtime bounds the trips with an instruction budget (Hardening).
    std::vector<uint32_t> budget_loops;
    // Loop heads the loop pass reached whose termination a ranking argument proved
    // (verifier/ranking.hpp): a register grows by at least `min_step` per trip within the
    // bounds every state at the head holds. They need no budget.
    struct RankedLoop {
        uint32_t head = 0;
        uint8_t counter = 0;
        uint64_t min_step = 0;
        uint64_t max_trips = 0; // arrivals at the head per entry into the loop
        bool operator==(const RankedLoop&) const = default;
    };
    std::vector<RankedLoop> ranked_loops;
    // With ranked loops only: the most instructions a run executes (ranking.hpp's
    // run_length_bound); 0 when there is no such bound. Above kTerminationBound the ranked
    // loops are budget loops too.
    uint64_t run_length_bound = 0;
    // Per subprogram with such reads only, sorted by subprogram_start.
    std::vector<StackZero> stack_zero;

    bool is_reachable(uint32_t pc) const { return reachable.empty() || reachable[pc]; }
    bool in_bounds(uint32_t pc) const { return !access_in_bounds.empty() && access_in_bounds[pc]; }
    bool divisor_is_safe(uint32_t pc) const { return !divisor_safe.empty() && divisor_safe[pc]; }
    const CtxAccess* ctx_access_at(uint32_t pc) const {
        return pc < ctx_access.size() && ctx_access[pc].via_ctx ? &ctx_access[pc] : nullptr;
    }
    const StackZero* stack_zero_at(uint32_t subprogram_start) const {
        for (const StackZero& z : stack_zero)
            if (z.subprogram_start == subprogram_start) return &z;
        return nullptr;
    }
    bool upper_zero(uint32_t pc, uint8_t reg) const {
        return !upper32_zero.empty() && ((upper32_zero[pc] >> reg) & 1);
    }
};

} // namespace ebpfjit::verifier
