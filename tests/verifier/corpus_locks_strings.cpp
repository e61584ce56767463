// Corpus cases for bpf_spin_lock pairing and PtrToConstStr arguments (bpf_snprintf's
// format), with the kernel's verdicts: accept cases, and one reject case per rule, each
// naming the instruction the rejection must point at.
#include "corpus.hpp"
#include "program_builder.hpp"

namespace ebpfjit::verifier::test {

namespace {

constexpr auto W = Size::W;
constexpr auto DW = Size::DW;
constexpr auto Xdp = ProgramType::Xdp;
constexpr int32_t kSpinLock = 93, kSpinUnlock = 94, kSnprintf = 165, kPrandom = 7, kTailCall = 12;

struct Cases {
    std::vector<CorpusCase> out;
    void accept(std::string name, const Builder& b) { out.push_back({std::move(name), Xdp, b.build(), true}); }
    void reject(std::string name, const Builder& b, Reason r, size_t insn) {
        out.push_back({std::move(name), Xdp, b.build(), false, r, uint32_t(insn)});
    }
};

// r6 = lookup(locked, 0), NULL-checked (the NULL edge returns 0 at "out").
Builder locked_value() {
    Builder b;
    b.mov(r9, r1).st(W, r10, -4, 0).mov(r2, r10).add(r2, -4).ld_map(r1, kLockMap).call(1)
        .j(Cond::Eq, r0, 0, "out").mov(r6, r0);
    return b;
}
Builder& lock(Builder& b, int32_t helper = kSpinLock, R value = r6) { return b.mov(r1, value).add(r1, 8).call(helper); }
Builder& out(Builder& b) { return b.label("out").mov(r0, 0).exit(); }

// snprintf(fp - 16, 16, fmt, NULL, 0) with fmt already in r3.
Builder& snprintf_call(Builder& b) { return b.mov(r1, r10).add(r1, -16).mov(r2, 16).mov(r4, 0).mov(r5, 0); }

void spin_locks(Cases& c) {
    { Builder b = locked_value(); lock(b).ldx(DW, r7, r6, 0).add(r7, 1).stx(DW, r6, 0, r7); lock(b, kSpinUnlock).ja("out");
      out(b); c.accept("spin_lock_pair", b); }
    { // lock and unlock through different copies of one lookup
      Builder b = locked_value(); b.mov(r7, r6); lock(b); lock(b, kSpinUnlock, r7).ja("out"); out(b);
      c.accept("spin_lock_copies", b); }
    { Builder b = locked_value(); lock(b).ja("out"); b.label("out").mov(r0, 0); size_t at = b.size(); b.exit();
      c.reject("spin_lock_held_at_exit", b, Reason::SpinLock, at); }
    { Builder b = locked_value(); lock(b); size_t at = b.size(); b.call(kPrandom); lock(b, kSpinUnlock).ja("out"); out(b);
      c.reject("spin_lock_helper_while_held", b, Reason::SpinLock, at); }
    { Builder b = locked_value(); lock(b); size_t at = b.size(); b.call_local("f"); lock(b, kSpinUnlock).ja("out"); out(b);
      b.label("f").mov(r0, 0).exit();
      c.reject("spin_lock_local_call_while_held", b, Reason::SpinLock, at); }
    { Builder b = locked_value(); lock(b).mov(r1, r9).ld_map(r2, kProgArray).mov(r3, 0); size_t at = b.size();
      b.call(kTailCall); lock(b, kSpinUnlock).ja("out"); out(b);
      c.reject("spin_lock_tail_call_while_held", b, Reason::SpinLock, at); }
    { Builder b = locked_value(); lock(b); lock(b); size_t at = b.size() - 1; lock(b, kSpinUnlock).ja("out"); out(b);
      c.reject("spin_lock_twice", b, Reason::SpinLock, at); }
    { Builder b = locked_value(); lock(b, kSpinUnlock); size_t at = b.size() - 1; b.ja("out"); out(b);
      c.reject("spin_unlock_without_lock", b, Reason::SpinLock, at); }
    { // locked on one path only, unlocked on both
      Builder b = locked_value(); b.call(kPrandom).j(Cond::Gt, r0, 7, "skip"); lock(b); b.label("skip");
      lock(b, kSpinUnlock); size_t at = b.size() - 1; b.ja("out"); out(b);
      c.reject("spin_unlock_on_unlocked_path", b, Reason::SpinLock, at); }
    { // two lookups of the same map: unlocking the other element's lock
      Builder b = locked_value(); b.st(W, r10, -8, 1).mov(r2, r10).add(r2, -8).ld_map(r1, kLockMap).call(1)
          .j(Cond::Eq, r0, 0, "out").mov(r7, r0); lock(b); lock(b, kSpinUnlock, r7); size_t at = b.size() - 1;
      b.ja("out"); out(b);
      c.reject("spin_unlock_other_lock", b, Reason::SpinLock, at); }
    { Builder b = locked_value(); b.mov(r1, r6).add(r1, 4).call(kSpinLock); size_t at = b.size() - 1; b.ja("out"); out(b);
      c.reject("spin_lock_wrong_offset", b, Reason::SpinLock, at); }
    { Builder b; b.st(W, r10, -4, 0).mov(r2, r10).add(r2, -4).ld_map(r1, kArrayMap).call(1).j(Cond::Eq, r0, 0, "out")
          .mov(r1, r0).call(kSpinLock); size_t at = b.size() - 1; b.ja("out"); out(b);
      c.reject("spin_lock_map_without_lock", b, Reason::SpinLock, at); }
    { Builder b = locked_value(); size_t at = b.size(); b.ldx(W, r0, r6, 8).ja("out"); out(b);
      c.reject("spin_lock_direct_load", b, Reason::InvalidMemoryAccess, at); }
    { Builder b = locked_value(); size_t at = b.size(); b.st(DW, r6, 8, 0).ja("out"); out(b);
      c.reject("spin_lock_direct_store", b, Reason::InvalidMemoryAccess, at); }
}

void const_strings(Cases& c) {
    { Builder b; b.ld_map_value(r3, kReadOnlyMap, 0); snprintf_call(b).call(kSnprintf).mov(r0, 0).exit();
      c.accept("snprintf_rodata_format", b); }
    { // the format's offset from pointer arithmetic, still constant
      Builder b; b.ld_map_value(r3, kReadOnlyMap, 0).add(r3, 2); snprintf_call(b).call(kSnprintf).mov(r0, 0).exit();
      c.accept("snprintf_rodata_format_offset", b); }
    { Builder b; b.ld_map_value(r3, kGlobalData, 0); snprintf_call(b); size_t at = b.size(); b.call(kSnprintf).mov(r0, 0).exit();
      c.reject("snprintf_format_in_writable_map", b, Reason::HelperArgument, at); }
    { Builder b; b.ld_map_value(r3, kReadOnlyMap, 4); snprintf_call(b); size_t at = b.size(); b.call(kSnprintf).mov(r0, 0).exit();
      c.reject("snprintf_format_unterminated", b, Reason::HelperArgument, at); }
    { Builder b; b.call(kPrandom).and_(r0, 3).ld_map_value(r3, kReadOnlyMap, 0).add(r3, r0); snprintf_call(b);
      size_t at = b.size(); b.call(kSnprintf).mov(r0, 0).exit();
      c.reject("snprintf_format_variable_offset", b, Reason::HelperArgument, at); }
    { Builder b; b.st(DW, r10, -24, 0).mov(r3, r10).add(r3, -24); snprintf_call(b); size_t at = b.size();
      b.call(kSnprintf).mov(r0, 0).exit();
      c.reject("snprintf_format_on_stack", b, Reason::HelperArgument, at); }
}

} // namespace

std::vector<CorpusCase> lock_and_string_cases() {
    Cases c;
    spin_locks(c);
    const_strings(c);
    return std::move(c.out);
}

} // namespace ebpfjit::verifier::test
