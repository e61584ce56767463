// Register use/def of one instruction and backward register liveness over a program, at
// CFG level. One analysis for the verifier (a checkpoint ignores dead registers when it
// compares states) and the jit (registers to zero at entry, values live across calls);
// there used to be two copies that disagreed (see the .cpp for which was right).
//
// Calls are summarised at the call site and do not flow into the callee: a helper reads
// its arguments (what `helper_reads` says, else r1..r5), a local call reads r1..r5, and
// both define r0..r5. `exit` reads r0. LD_ABS / LD_IND read r6 (the ctx, by the kernel's
// convention) and the offset register, and define r0..r5 like a call.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "isa/instruction.hpp"

namespace ebpfjit::isa {

struct UseDef {
    uint16_t use = 0; // bit n: rn is read
    uint16_t def = 0; // bit n: rn is written
};

// For a helper call's imm: the registers the helper reads (bit n = rn), e.g. from its
// prototype. Without it (or for an unknown id) a helper reads r1..r5.
using HelperReads = std::function<uint16_t(int32_t helper_id)>;

UseDef use_def(const Instruction& insn, const HelperReads& helper_reads = {});

// Where control goes after `pc` within its subprogram (a call returns to the next slot).
// Falling off the end is no successor.
template <class F>
void for_each_successor(const Program& program, size_t pc, F&& f) {
    const Instruction& insn = program.insns[pc];
    if (std::holds_alternative<Exit>(insn) || std::holds_alternative<LddwSecondSlot>(insn)) return;
    if (const auto* j = std::get_if<Jump>(&insn)) {
        if (j->target >= 0 && size_t(j->target) < program.size()) f(size_t(j->target));
        if (j->cond == Cond::Always) return;
    }
    const size_t next = pc + (std::holds_alternative<LoadImm64>(insn) ? 2 : 1);
    if (next < program.size()) f(next);
}

class RegisterLiveness {
public:
    // use_def of every slot of `program`.
    explicit RegisterLiveness(const Program& program, const HelperReads& helper_reads = {});
    // With each slot's use/def given (program-sized): the jit's, for the instructions it
    // emits in each slot (none for unemitted ones).
    RegisterLiveness(const Program& program, std::vector<UseDef> use_def);
    // Bit n: rn may be read on some path from `pc` before it is written.
    uint16_t live_in(size_t pc) const { return live_in_[pc]; }
    // The union of live_in over pc's successors.
    uint16_t live_out(size_t pc) const;
    const UseDef& use_def_at(size_t pc) const { return use_def_[pc]; }

private:
    void solve();

    const Program& program_;
    std::vector<UseDef> use_def_;
    std::vector<uint16_t> live_in_;
};

} // namespace ebpfjit::isa
