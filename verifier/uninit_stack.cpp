// Reads of stack bytes no path proved written (VerifierInput::allow_uninit_stack): the
// kernel's privileged rule, made safe for every caller by zeroing. Each such read widens
// its subprogram's range in Facts::stack_zero; the engines zero that range whenever a frame
// of the subprogram is entered, so the read sees 0 rather than what an earlier frame (a
// callee that returned, a tail call's caller) or an earlier run left there.
//
// Why a byte the abstract state calls Invalid is never written on the concrete path when
// the frame is older than the read: Invalid is only replaced by a definite write (a
// constant-offset store, a whole-range helper write); a write that may miss it (variable
// offset, variable helper size) leaves it Invalid here, so the read is recorded; a prune
// matches a stored Invalid byte only when the stored path's continuation (which recorded
// its reads) covers the pruned one (pruning.cpp slot_subsumes). A prune that lets a stored
// path's data stand for bytes the pruned path never wrote records those bytes here too
// (Checkpoints::uninit_matched, from the analyzer's loop): its continuation may read them.
#include <algorithm>

#include <fmt/format.h>

#include "verifier/analyzer.hpp"

namespace ebpfjit::verifier {

void Analyzer::note_uninit_read(const AbstractState& s, uint8_t frame, int32_t off) {
    auto& [lo, hi] = uninit_reads_[s.frames[frame].subprogram];
    if (lo >= hi) {
        lo = off;
        hi = off + 1;
    } else {
        lo = std::min(lo, off);
        hi = std::max(hi, off + 1);
    }
}

void Analyzer::record_stack_zero() {
    facts_.stack_zero.clear();
    for (size_t sub = 0; sub < uninit_reads_.size(); ++sub) {
        const auto [lo, hi] = uninit_reads_[sub];
        if (lo < hi) facts_.stack_zero.push_back(StackZero{uint32_t(shape_.subprogram_starts[sub]), lo, hi});
    }
}

// A write that may miss any byte of the range (variable offset or variable size): bytes
// that were Invalid stay Invalid (a later read is recorded for zeroing), the others become
// data. Used only under allow_uninit_stack; the strict rules reject such writes over
// Invalid bytes (leaks) or, for helper sizes, keep the kernel's marking.
void Analyzer::maybe_write_stack(StackState& stack, int32_t lo, int32_t hi) {
    for (int32_t b = lo; b < hi; ++b)
        if (stack.byte(b) != ByteKind::Invalid) stack.write_bytes(b, 1, ByteKind::Misc);
}

// A helper's write to the stack may miss any byte of its range: a variable size may be its
// minimum, bpf_snprintf and the *_str reads stop after the NUL, and bpf_snprintf with a bad
// format or data_len, or a pop from an empty queue, write nothing. So:
// - a spilled pointer under it would stay there while the verifier took its bytes for the
//   helper's data, readable as a number: rejected unless pointer leaks are allowed (the
//   kernel rejects it too: it checks a helper's write byte by byte, "attempt to corrupt
//   spilled pointer on stack");
// - under allow_uninit_stack the bytes that were Invalid stay Invalid, so a later read of
//   them is zeroed at frame entry instead of returning what the frame held before (another
//   run's spilled pointer); the strict rules keep the kernel's marking (all written).
Status Analyzer::helper_may_write_stack(AbstractState& s, uint8_t regno, uint64_t size) {
    const RegState ptr = s.reg(regno);
    StackState& stack = s.frames[ptr.frame].stack;
    std::vector<int32_t> keep;
    if (ptr.var.is_const()) { // (a variable offset: check_access rejects spills in range, keeps Invalid bytes)
        const int64_t at = int64_t(ptr.off) + int64_t(ptr.var.value());
        for (int64_t b = std::max<int64_t>(at, -int64_t(isa::kStackSize)); b < at + int64_t(size) && b < 0; ++b) {
            const ByteKind k = stack.byte(int32_t(b));
            if (k == ByteKind::Spill && !stack.find_slot(int32_t(b))->spilled.is_scalar() && !leaks_allowed())
                return violation(Reason::InvalidSpillAccess,
                                 fmt::format("attempt to corrupt the spilled pointer at fp{}: the helper may write "
                                             "fewer than its {} bytes at fp{} and leave the pointer there, "
                                             "readable as data: {}",
                                             b & ~7, size, at, stack.find_slot(int32_t(b))->spilled.to_string()));
            if (k == ByteKind::Invalid && input_.allow_uninit_stack) keep.push_back(int32_t(b));
        }
    }
    // The helper's bytes are data, no spilled register (the kernel: STACK_MISC).
    if (auto st = check_access(s, regno, 0, uint32_t(size), Access::Write, nullptr, nullptr); !st) return st;
    for (int32_t b : keep) stack.write_bytes(b, 1, ByteKind::Invalid);
    return {};
}

} // namespace ebpfjit::verifier
