// Register facts of the lowering: which registers a program touches, which ones each
// subprogram writes (so a prologue may later save only those), and which are live
// across calls (the values a register mapping must keep in callee-saved registers).

#include "jit/lowering_passes.hpp"

#include "isa/liveness.hpp"

namespace ebpfjit::jit::detail {

namespace {

using namespace isa;

constexpr uint16_t kCallClobbers = 0b111111; // r0..r5

bool is_call(const Instruction& insn) {
    return std::holds_alternative<Call>(insn) || std::holds_alternative<CallX>(insn);
}

} // namespace

void analyse_registers(const isa::Program& program, Lowered& out) {
    const size_t n = program.size();
    // What each slot emits: unemitted slots (unreachable, or folded away) read and write
    // nothing, rewritten ones (strength reduction) what they became. Helpers read r1..r5
    // here: the calling convention passes all five.
    std::vector<isa::UseDef> emitted(n);
    for (size_t pc = 0; pc < n; ++pc)
        if (out.slots[pc].emit) emitted[pc] = isa::use_def(out.slots[pc].insn);
    const isa::RegisterLiveness live(program, std::move(emitted));
    for (size_t pc = 0; pc < n; ++pc) {
        if (!out.slots[pc].emit) continue;
        const isa::UseDef& ud = live.use_def_at(pc);
        out.regs_used |= ud.use | ud.def;
        out.subprograms[out.slots[pc].subprogram].regs_written |= ud.def;
        if (is_call(out.slots[pc].insn)) out.subprograms[out.slots[pc].subprogram].calls = true;
    }
    out.zero_at_entry = n > 0 ? live.live_in(0) : 0; // the lowering keeps only what it must zero
    for (size_t pc = 0; pc < n; ++pc)
        if (out.slots[pc].emit && is_call(program.insns[pc]))
            out.live_across_calls |= static_cast<uint16_t>(live.live_out(pc) & ~kCallClobbers);
}

} // namespace ebpfjit::jit::detail
