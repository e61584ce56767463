// Attempts to break the copies rule (linked_copies_test.cpp): since a checkpoint no longer
// compares the ids of imprecise scalars, every bound a continuation learns through a copy
// must make all copies precise at the branch that taught it (precision.cpp sync_copies),
// across frames, callbacks and the stack. Each unsafe program reaches the same point on
// two paths, copies on one, none on the other, so that a prune at the meeting point would
// accept an out-of-bounds access; both walk orders are tried (`swap`: the path without
// the copies first, where it is refused before any prune). Where it makes sense a safe
// twin must pass. The kernel (regsafe with check_scalar_ids, bt_sync_linked_regs) gives
// the same verdicts (one exception, said where): its linked registers span every frame and
// spilled slot, as ours do.
#include <catch2/catch.hpp>

#include <functional>
#include <string>

#include "corpus.hpp"
#include "program_builder.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::verifier::test {

namespace {

constexpr auto DW = Size::DW;
constexpr auto W = Size::W;
constexpr auto B = Size::B;
constexpr int32_t kPrandom = 7, kLoop = 181, kRingbufOutput = 130;

std::string verdict(const Report& r) { return r.rejection ? r.rejection->headline : std::string("accepted"); }

// r0 = *(u8 *)(fp + buf + idx): an index into an 8-byte stack buffer at fp + buf. Returns
// the index of `r3 += idx`, where an unbounded index is refused (a bounded but too large
// one is refused at the load after it).
size_t index_stack(Builder& b, R idx, int16_t buf) {
    b.mov(r3, r10).add(r3, buf);
    const size_t at = b.size();
    b.add(r3, idx).ldx(B, r0, r3, 0);
    return at;
}

// r<d> = an unknown 64-bit value (upper half unknown too).
Builder& unknown64(Builder& b, R d) {
    b.call(kPrandom).mov(d, r0).lsh(d, 32).call(kPrandom);
    return b.alu(AluOp::Or, d, r0);
}

using Emit = std::function<void(Builder&)>;

// Two paths from `decider` that meet at "join": `linked` (the copies) on the fall-through,
// walked first, `other` on the taken edge; `swap` exchanges the edges, so that the state
// without the copies is stored first and the one with them arrives.
void two_paths(Builder& b, R decider, const Emit& linked, const Emit& other, bool swap) {
    b.j(Cond::Ne, decider, 0, "second");
    (swap ? other : linked)(b);
    b.ja("join").label("second");
    (swap ? linked : other)(b);
    b.label("join");
}

struct Case {
    isa::Program program;
    size_t at = 0; // where the unsafe twin must be refused (the index, or the load after it)
};

void require_accepted(const Case& c, const char* what) {
    Report r = check(c.program, corpus_input(ProgramType::Xdp));
    INFO(what << ": " << verdict(r) << " (processed " << r.stats.processed_insns << ")");
    REQUIRE(r.ok());
}

void require_refused_at(const Case& c, const char* what) {
    Report r = check(c.program, corpus_input(ProgramType::Xdp));
    INFO(what << ": " << verdict(r) << " (processed " << r.stats.processed_insns << ")");
    CHECK_FALSE(r.ok());
    if (r.rejection) CHECK((r.rejection->insn == c.at || r.rejection->insn == c.at + 1));
}

// `make(safe, swap)`'s safe twin is accepted and its unsafe twin refused at its mark, in
// both walk orders.
void require_twins(const std::function<Case(bool, bool)>& make, const char* safe, const char* unsafe) {
    for (bool swap : {false, true}) {
        INFO((swap ? "the path without the copy first" : "the copy first"));
        require_accepted(make(true, swap), safe);
        require_refused_at(make(false, swap), unsafe);
    }
}

// Copies across frames. The caller passes r1 = r6 (a copy) on the first path and r1 = r7
// (unsafe) or r1 = r6 again (safe) on the second; the callee tests r1 (or, `through_stack`,
// its own spill and fill of r1) and returns whether it exceeded 7; the caller then indexes
// with r6. The bound reaches r6 only through the copy in the callee's frame.
Case copy_into_callee(bool safe, bool through_stack, bool swap) {
    Builder b;
    b.call(kPrandom).mov(r6, r0).call(kPrandom).mov(r7, r0).call(kPrandom).mov(r9, r0);
    b.st(DW, r10, -16, 0);
    two_paths(b, r9, [](Builder& b) { b.mov(r1, r6); }, [&](Builder& b) { b.mov(r1, safe ? r6 : r7); }, swap);
    b.call_local("f").j(Cond::Ne, r0, 0, "out");
    Case c;
    c.at = index_stack(b, r6, -16);
    b.exit();
    b.label("out").mov(r0, 0).exit();
    b.label("f");
    if (through_stack) b.stx(DW, r10, -8, r1).mov(r1, 0).ldx(DW, r2, r10, -8).j(Cond::Gt, r2, 7, "big");
    else b.j(Cond::Gt, r1, 7, "big");
    b.mov(r0, 0).exit();
    b.label("big").mov(r0, 1).exit();
    c.program = b.build();
    return c;
}

// The copy is the caller's stack slot, read by the callee through a pointer: the fill in
// frame 1 links the frame-0 slot (link_fill), and the bound the callee's branch teaches
// the fill reaches the caller's r6 through the slot (unsafe: fp-8 holds r7 on the second
// path).
Case callee_fills_caller_slot(bool safe, bool swap) {
    Builder b;
    b.call(kPrandom).mov(r6, r0).call(kPrandom).mov(r7, r0).call(kPrandom).mov(r9, r0);
    b.st(DW, r10, -16, 0);
    two_paths(b, r9, [](Builder& b) { b.stx(DW, r10, -8, r6); }, // r6 and fp-8: copies
              [&](Builder& b) { b.stx(DW, r10, -8, safe ? r6 : r7); }, swap);
    b.mov(r1, r10).add(r1, -8).call_local("f").j(Cond::Ne, r0, 0, "out");
    Case c;
    c.at = index_stack(b, r6, -16);
    b.exit();
    b.label("out").mov(r0, 0).exit();
    b.label("f").ldx(DW, r2, r1, 0).j(Cond::Gt, r2, 7, "big").mov(r0, 0).exit();
    b.label("big").mov(r0, 1).exit();
    c.program = b.build();
    return c;
}

// Inside a bpf_loop callback: the fill of the caller's slot (through the ctx pointer) is
// copied to r9 on the first path, r9 is another unknown on the second (safe: a second fill
// of the slot); a branch on r9 after the meeting point, then the slot read again indexes
// the callback's own 8-byte buffer. The copies span the caller's frame (the slot) and the
// callback's (r7, r9). (The callback's return meets the state in progress at the bpf_loop
// call, which keeps every scalar of the callback's checkpoints precise, ids compared: the
// verdicts hold even without the copies rule.)
Case copies_in_callback(bool safe, bool swap) {
    Builder b;
    b.call(kPrandom).stx(DW, r10, -8, r0);
    b.mov(r1, 1).ld_func(r2, "cb").mov(r3, r10).add(r3, -8).mov(r4, 0).call(kLoop).mov(r0, 0).exit();
    b.label("cb").mov(r6, r2).ldx(DW, r7, r6, 0).st(DW, r10, -8, 0);
    b.call(kPrandom).mov(r8, r0).call(kPrandom).mov(r9, r0);
    two_paths(b, r8, [](Builder& b) { b.mov(r9, r7); }, [&](Builder& b) {
        if (safe) b.ldx(DW, r9, r6, 0);
    }, swap);
    b.mov(r0, 0).mov(r0, 0).j(Cond::Gt, r9, 7, "stop").ldx(DW, r2, r6, 0);
    Case c;
    c.at = index_stack(b, r2, -8);
    b.mov(r0, 0).exit();
    b.label("stop").mov(r0, 1).exit();
    c.program = b.build();
    return c;
}

// The copies made in the caller, branched on in a bpf_loop callback: fp-8 and fp-16 are
// both r6's copies on the first path, fp-8 holds r7 on the second (unsafe); the callback
// tests its fill of fp-8 and indexes its own 8-byte buffer with the fill of fp-16.
// `safe` (fp-8 is r6's copy on both paths) is refused too, unlike by the kernel: the
// callback's return widens the caller's slots it refined (exit_callback: imprecise, so
// unknown and unlinked), so the second trip's fill of fp-16 is unbounded; the kernel's
// callback loop instead stops at the bpf_loop call, the refined state being within the
// one there (states_equal RANGE_WITHIN).
Case caller_copies_into_callback(bool safe, bool swap) {
    Builder b;
    b.call(kPrandom).mov(r6, r0).call(kPrandom).mov(r7, r0).call(kPrandom).mov(r8, r0);
    b.stx(DW, r10, -16, r6);
    two_paths(b, r8, [](Builder& b) { b.stx(DW, r10, -8, r6); },
              [&](Builder& b) { b.stx(DW, r10, -8, safe ? r6 : r7); }, swap);
    b.mov(r0, 0).mov(r0, 0);
    b.mov(r1, 1).ld_func(r2, "cb").mov(r3, r10).add(r3, -8).mov(r4, 0).call(kLoop).mov(r0, 0).exit();
    b.label("cb").st(DW, r10, -8, 0).ldx(DW, r3, r2, 0).j(Cond::Gt, r3, 7, "stop").ldx(DW, r4, r2, -8);
    Case c;
    c.at = index_stack(b, r4, -8);
    b.mov(r0, 0).exit();
    b.label("stop").mov(r0, 1).exit();
    c.program = b.build();
    return c;
}

// A 32-bit branch on a 64-bit copy bounds the low half only: r6's upper half stays unknown
// (unsafe) unless r6 came from a 32-bit move (safe: upper half zero, so the copy's 32-bit
// bound is its 64-bit bound). Then the same with the copy made on one path only.
Case jump32_on_copy(bool upper_zero) {
    Builder b;
    if (upper_zero) b.call(kPrandom).mov32(r6, r0);
    else unknown64(b, r6);
    b.st(DW, r10, -8, 0).mov(r7, r6).j(Cond::Gt, r7, 7, "out", /*is32=*/true);
    Case c;
    c.at = index_stack(b, r6, -8);
    b.exit();
    b.label("out").mov(r0, 0).exit();
    c.program = b.build();
    return c;
}

Case jump32_after_join(bool safe, bool swap) {
    Builder b;
    b.call(kPrandom).mov32(r6, r0).call(kPrandom).mov32(r7, r0).call(kPrandom).mov(r9, r0);
    b.st(DW, r10, -8, 0);
    two_paths(b, r9, [](Builder& b) { b.mov(r8, r6); }, [&](Builder& b) { b.mov(r8, safe ? r6 : r7); }, swap);
    b.mov(r0, 0).mov(r0, 0).j(Cond::Gt, r8, 7, "out", /*is32=*/true);
    Case c;
    c.at = index_stack(b, r6, -8);
    b.exit();
    b.label("out").mov(r0, 0).exit();
    c.program = b.build();
    return c;
}

// The slot stops being a copy: `breaker` writes into it after the spill (a narrow store,
// a variable-offset byte store, an atomic add), before or after the branch on r6; the fill
// after the branch is then not bounded by it. Without `breaker` (safe) the fill is r6's
// copy and bounded.
Case slot_overwritten(const std::function<void(Builder&)>& breaker, bool after_branch) {
    Builder b;
    b.call(kPrandom).mov(r6, r0).call(kPrandom).mov(r8, r0).and_(r8, 8);
    b.st(DW, r10, -24, 0).st(DW, r10, -16, 0).stx(DW, r10, -8, r6);
    if (breaker && !after_branch) breaker(b);
    b.j(Cond::Gt, r6, 7, "out");
    if (breaker && after_branch) breaker(b);
    b.ldx(DW, r2, r10, -8);
    Case c;
    c.at = index_stack(b, r2, -24);
    b.exit();
    b.label("out").mov(r0, 0).exit();
    c.program = b.build();
    return c;
}

// Copies made before the meeting point, branched on after it: on the first path fp-8 is
// r6's copy and fp-16 r7's, on the second they are swapped (safe: not swapped, the second
// path's values differ only in r7's bound). After the join a branch on r6 bounds fp-8,
// whose fill indexes.
Case swapped_slots(bool safe, bool swap) {
    Builder b;
    b.call(kPrandom).mov(r6, r0).call(kPrandom).mov(r7, r0).call(kPrandom).mov(r9, r0);
    b.st(DW, r10, -24, 0).stx(DW, r10, -8, r6).stx(DW, r10, -16, r7);
    two_paths(b, r9, [](Builder&) {}, [&](Builder& b) {
        if (safe) b.and_(r7, 3).stx(DW, r10, -16, r7);
        else b.stx(DW, r10, -8, r7).stx(DW, r10, -16, r6);
    }, swap);
    b.mov(r0, 0).mov(r0, 0).j(Cond::Gt, r6, 7, "out").ldx(DW, r2, r10, -8);
    Case c;
    c.at = index_stack(b, r2, -24);
    b.exit();
    b.label("out").mov(r0, 0).exit();
    c.program = b.build();
    return c;
}

// Register-register comparisons between two families of copies: r7/r9 (one id) against
// r6 (bounded by 7 on the first path, by 15 on the second: unsafe), and a second form in
// which r6's bound itself comes from a copy r5 branched on after the join (r5 = r6 on the
// first path, another unknown on the second: unsafe). r9 indexes an 8-byte buffer.
Case reg_reg_families(bool safe, bool bound_through_copy, bool swap) {
    Builder b;
    b.call(kPrandom).mov(r8, r0).call(kPrandom).mov(r7, r0).mov(r9, r7).call(kPrandom).mov(r6, r0);
    b.st(DW, r10, -8, 0);
    if (bound_through_copy) {
        b.call(kPrandom).mov(r4, r0); // r4: the second path's r5
        two_paths(b, r8, [](Builder& b) { b.mov(r5, r6); }, [&](Builder& b) { b.mov(r5, safe ? r6 : r4); }, swap);
        b.mov(r0, 0).mov(r0, 0).j(Cond::Gt, r5, 7, "out");
    } else {
        two_paths(b, r8, [](Builder& b) { b.and_(r6, 7); }, [&](Builder& b) { b.and_(r6, safe ? 7 : 15); }, swap);
        b.mov(r0, 0).mov(r0, 0);
    }
    b.j(Cond::Gt, r7, r6, "out");
    Case c;
    c.at = index_stack(b, r9, -8);
    b.exit();
    b.label("out").mov(r0, 0).exit();
    c.program = b.build();
    return c;
}

// A copy as a helper's size argument: ringbuf_output(ringbuf, fp - 24, r3, 0) reads r3 bytes
// of a 16-byte buffer; r3 is the fill of fp-8, bounded by the branch on r6 only where fp-8
// is r6's copy (the second path stores r7 there: unsafe).
Case copy_as_helper_size(bool safe, bool swap) {
    Builder b;
    b.call(kPrandom).mov(r6, r0).call(kPrandom).mov(r7, r0).call(kPrandom).mov(r8, r0);
    b.st(DW, r10, -24, 0).st(DW, r10, -16, 0).stx(DW, r10, -8, r6);
    two_paths(b, r8, [](Builder&) {}, [&](Builder& b) { b.stx(DW, r10, -8, safe ? r6 : r7); }, swap);
    b.mov(r0, 0).mov(r0, 0).j(Cond::Gt, r6, 16, "out").ldx(DW, r3, r10, -8);
    b.ld_map(r1, kRingbufMap).mov(r2, r10).add(r2, -24).mov(r4, 0);
    Case c;
    c.at = b.size();
    b.call(kRingbufOutput).mov(r0, 0).exit();
    b.label("out").mov(r0, 0).exit();
    c.program = b.build();
    return c;
}

} // namespace

TEST_CASE("linked copies, adversarial: a copy in the callee's frame bounds the caller's register",
          "[verifier][pruning][linked]") {
    for (bool swap : {false, true})
        for (bool through_stack : {false, true}) {
            INFO((through_stack ? "the callee spills and fills its copy" : "the callee tests r1")
                 << (swap ? ", the path without the copy first" : ""));
            require_accepted(copy_into_callee(true, through_stack, swap), "both paths pass a copy");
            // The meeting point before the call: its r1 and r6 were made precise together by
            // the callee's branch (the copies there include frame 0's r1 and r6), so r1 = r7
            // does not match r1 = r6 and the second path is walked: r6 is unbounded.
            require_refused_at(copy_into_callee(false, through_stack, swap), "r1 is not r6's copy on one path");
        }
}

TEST_CASE("linked copies, adversarial: a callee's fill links the caller's slot", "[verifier][pruning][linked]") {
    require_twins(callee_fills_caller_slot, "fp-8 is r6's copy on both paths", "fp-8 holds r7 on one path");
}

TEST_CASE("linked copies, adversarial: copies inside a bpf_loop callback span the caller's slot",
          "[verifier][pruning][linked][callbacks]") {
    require_twins(copies_in_callback, "r9 is a fill of the slot on both paths", "r9 is another unknown on one path");
}

TEST_CASE("linked copies, adversarial: copies made by the caller, branched on in a bpf_loop callback",
          "[verifier][pruning][linked][callbacks]") {
    for (bool swap : {false, true}) {
        INFO((swap ? "the path without the copy first" : "the copy first"));
        require_refused_at(caller_copies_into_callback(false, swap), "fp-8 holds r7 on one path");
    }
}

TEST_CASE("linked copies, adversarial: a 32-bit branch on a 64-bit copy", "[verifier][pruning][linked]") {
    // The kernel refuses the first too (the 32-bit bound leaves umax at U64_MAX for a value
    // whose upper half is unknown) and accepts the second (zero-extended: umax 7).
    require_refused_at(jump32_on_copy(false), "upper half unknown");
    require_accepted(jump32_on_copy(true), "upper half zero");
    require_twins(jump32_after_join, "copies on both paths", "r8 is not r6's copy on one path");
}

TEST_CASE("linked copies, adversarial: a slot overwritten after the link is no copy", "[verifier][pruning][linked]") {
    require_accepted(slot_overwritten(nullptr, false), "untouched: the fill is bounded by the branch");
    const Emit narrow = [](Builder& b) { b.st(W, r10, -8, 0); };
    const Emit one_byte = [](Builder& b) { b.st(B, r10, -1, 0x7f); };
    // fp - 16 + (0 or 8): the byte store may land in fp-8's slot (write_bytes breaks it).
    const Emit variable = [](Builder& b) { b.mov(r4, r10).add(r4, -16).add(r4, r8).st(B, r4, 0, 0x7f); };
    // The slot then holds r6 + 1, an unknown to the verifier (as to the kernel's).
    const Emit atomic = [](Builder& b) { b.mov(r5, 1).atomic(isa::AtomicOp::Add, false, true, r10, -8, r5); };
    for (bool after : {false, true}) {
        INFO((after ? "after the branch" : "before the branch"));
        require_refused_at(slot_overwritten(narrow, after), "a 4-byte store of 0 into the slot");
        require_refused_at(slot_overwritten(one_byte, after), "a 1-byte store into the slot's top byte");
        require_refused_at(slot_overwritten(variable, after), "a variable-offset byte store");
        require_refused_at(slot_overwritten(atomic, after), "an atomic add on the slot");
    }
}

TEST_CASE("linked copies, adversarial: copies made before a checkpoint, branched on after it",
          "[verifier][pruning][linked]") {
    // At the join fp-8 and r6 are precise and share an id on the first path; on the
    // second fp-8 shares r7's: the id map refuses (r6's id cannot stand for two ids).
    require_twins(swapped_slots, "fp-8 is r6's copy on both paths", "fp-8 and fp-16 swapped on one path");
}

TEST_CASE("linked copies, adversarial: register-register branches between two families of copies",
          "[verifier][pruning][linked]") {
    for (bool swap : {false, true})
        for (bool through_copy : {false, true}) {
            INFO((through_copy ? "r6 bounded through its copy r5" : "r6 bounded on each path")
                 << (swap ? ", the unsafe path first" : ""));
            require_accepted(reg_reg_families(true, through_copy, swap), "safe");
            require_refused_at(reg_reg_families(false, through_copy, swap), "unsafe");
        }
}

TEST_CASE("linked copies, adversarial: a copy as a helper's size argument", "[verifier][pruning][linked]") {
    require_twins(copy_as_helper_size, "fp-8 is r6's copy on both paths", "fp-8 holds r7 on one path");
}

} // namespace ebpfjit::verifier::test
