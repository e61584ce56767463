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

// A helper's write of a variable size (bpf_skb_load_bytes with len in [1, 16]) may stop
// after min_size bytes: the bytes after that which were Invalid stay Invalid, so a later
// read of them is zeroed instead of returning what the frame held before (the kernel marks
// the whole umax range written).
Status Analyzer::helper_writes_stack_up_to(AbstractState& s, uint8_t regno, uint64_t min_size, uint64_t size) {
    const RegState ptr = s.reg(regno);
    StackState& stack = s.frames[ptr.frame].stack;
    std::vector<int32_t> keep;
    if (ptr.var.is_const()) { // (a variable offset already makes the whole write a maybe-write)
        const int64_t at = int64_t(ptr.off) + int64_t(ptr.var.value());
        for (int64_t b = at + int64_t(min_size); b < at + int64_t(size) && b < 0; ++b)
            if (b >= -int64_t(isa::kStackSize) && stack.byte(int32_t(b)) == ByteKind::Invalid)
                keep.push_back(int32_t(b));
    }
    RegState filled = RegState::unknown_scalar();
    if (auto st = check_access(s, regno, 0, uint32_t(size), Access::Write, &filled, nullptr); !st) return st;
    for (int32_t b : keep) stack.write_bytes(b, 1, ByteKind::Invalid);
    return {};
}

} // namespace ebpfjit::verifier
