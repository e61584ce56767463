// Static stack-slot liveness (verifier/stack_liveness.hpp) and what pruning does with it:
// dead slots are not compared at checkpoints, live ones (read directly, by a helper, by a
// callee given a stack pointer, at a variable offset) are, so a path whose slot holds a
// pointer is never pruned against one whose slot held data where the slot is read later.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>

#include "c_object_input.hpp"
#include "corpus.hpp"
#include "isa/assembler.hpp"
#include "program_builder.hpp"
#include "runtime/elf/loader.hpp"
#include "verifier/stack_liveness.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::verifier::test {

namespace {

isa::Program assembled(const char* text) {
    auto p = isa::assemble(text);
    REQUIRE(p);
    return *p;
}

StackLiveness liveness_of(const isa::Program& p) {
    return StackLiveness(p, p.subprogram_starts, &corpus_helpers());
}

constexpr uint64_t slot(int i) { return uint64_t{1} << i; }

} // namespace

TEST_CASE("stack liveness: reads, whole-slot overwrites and partial writes", "[verifier][stack_liveness]") {
    const isa::Program p = assembled(R"(
        stdw [%r10-8], 1
        ldxdw %r0, [%r10-8]
        stw [%r10-16], 2
        ldxw %r1, [%r10-12]
        stdw [%r10-24], 3
        exit)");
    const StackLiveness l = liveness_of(p);
    REQUIRE(l.enabled());
    CHECK(l.live_before(0) == slot(1));           // fp-8 is overwritten whole first; fp-12 is read
    CHECK(l.live_before(1) == (slot(0) | slot(1)));
    CHECK(l.live_before(2) == slot(1));           // a 4-byte store does not overwrite the slot
    CHECK(l.live_before(3) == slot(1));
    CHECK(l.live_before(4) == 0);                  // fp-24 is written, never read
}

TEST_CASE("stack liveness: helpers read upward from their pointer, variable offsets read what they can reach",
          "[verifier][stack_liveness]") {
    Builder b;
    b.st(Size::W, r10, -12, 0).mov(r2, r10).add(r2, -12).ld_map(r1, kHashMap).call(1); // key at fp-12
    b.mov(r0, 0).exit();
    const isa::Program p = b.build();
    const StackLiveness l = liveness_of(p);
    REQUIRE(l.enabled());
    const uint32_t call = uint32_t(p.size() - 3);
    CHECK(l.live_before(call) == (slot(0) | slot(1))); // [fp-12, fp0): what a helper may read
    CHECK_FALSE(l.escapes(call));

    // An index masked to [0, 8] reaches fp-16 .. fp-8; one with no known bounds, any byte.
    const char* text = R"(
        ldxb %r3, [%r1+0]
        MASK
        mov %r4, %r10
        add %r4, -16
        add %r4, %r3
        ldxb %r0, [%r4+0]
        exit)";
    auto with_mask = [&](const char* mask) {
        std::string t = text;
        t.replace(t.find("MASK"), 4, mask);
        return assembled(t.c_str());
    };
    CHECK(liveness_of(with_mask("and %r3, 8")).live_before(5) == (slot(0) | slot(1)));
    CHECK(liveness_of(with_mask("lsh %r3, 1")).live_before(5) == StackLiveness::kAll);
}

TEST_CASE("stack liveness: a map helper reads its key's and value's bytes only", "[verifier][stack_liveness]") {
    // The hash map's key is 4 bytes, its value 8 (corpus.hpp): a lookup with the key at
    // fp-16 reads [fp-16, fp-12), an update with the value at fp-32 also [fp-32, fp-24);
    // fp-8 and fp-24's slot above the value are not read (the kernel's
    // check_helper_mem_access marks the key_size / value_size bytes).
    Builder b;
    b.st(Size::W, r10, -16, 0).st(Size::DW, r10, -32, 0);
    b.mov(r2, r10).add(r2, -16).ld_map(r1, kHashMap).call(1);
    b.mov(r2, r10).add(r2, -16).mov(r3, r10).add(r3, -32).ld_map(r1, kHashMap).mov(r4, 0).call(2);
    b.mov(r0, 0).exit();
    const isa::Program p = b.build();
    const StackLiveness l(p, p.subprogram_starts, &corpus_helpers(), corpus_maps());
    REQUIRE(l.enabled());
    const uint32_t update = uint32_t(p.size() - 3), lookup = update - 8;
    CHECK(l.live_before(lookup) == (slot(1) | slot(3)));
    CHECK(l.live_before(update) == (slot(1) | slot(3)));
    // Without the map (not loaded into r1 in the same straight-line code, or no maps
    // given), the frame above the pointer.
    CHECK(liveness_of(p).live_before(lookup) == (slot(0) | slot(1) | slot(2) | slot(3)));
    Builder j;
    j.st(Size::W, r10, -16, 0).ld_map(r1, kHashMap).mov(r2, r10).add(r2, -16);
    j.j(Cond::Eq, r0, 0, "call").mov(r0, 0);
    j.label("call").call(1).mov(r0, 0).exit();
    const isa::Program q = j.build();
    const StackLiveness lq(q, q.subprogram_starts, &corpus_helpers(), corpus_maps());
    CHECK(lq.live_before(uint32_t(q.size() - 3)) == (slot(0) | slot(1)));
}

TEST_CASE("stack liveness: a callee given a stack pointer reads what it reads through it; storing one turns the analysis off",
          "[verifier][stack_liveness]") {
    const isa::Program p = assembled(R"(
        stdw [%r10-8], 1
        mov %r1, %r10
        add %r1, -8
        call local f
        exit
    f:
        ldxdw %r0, [%r1+0]
        exit)");
    const StackLiveness l = liveness_of(p);
    REQUIRE(l.enabled());
    CHECK(l.escapes(3));
    CHECK(l.live_before(3) == slot(0)); // f reads 8 bytes at r1 = fp-8
    CHECK(l.live_before(5) == 0);       // r1 points into a frame below f's: none of f's own

    // Into memory outside the frame (here through the ctx): a load elsewhere could bring it
    // back unseen. (A spill into a slot of the frame is followed: the next test.)
    const isa::Program q = assembled(R"(
        mov %r2, %r1
        mov %r1, %r10
        add %r1, -16
        stxdw [%r2+0], %r1
        mov %r0, 0
        exit)");
    const StackLiveness m = liveness_of(q);
    CHECK_FALSE(m.enabled());
    CHECK(m.live_before(4) == StackLiveness::kAll);
}

TEST_CASE("stack liveness: a caller's frame seen from its callee: reads through the pointer, reads after the return",
          "[verifier][stack_liveness]") {
    // f reads the caller's slot through r1 on one path and returns 0; its other path
    // returns -1, on which the caller skips its own read of the slot.
    const isa::Program p = assembled(R"(
        stdw [%r10-8], 1
        mov %r1, %r10
        add %r1, -8
        call local f
        jne %r0, 0, out
        ldxdw %r0, [%r10-8]
    out:
        exit
    f:
        jeq %r2, 0, fail
        ldxdw %r0, [%r1+0]
        mov %r0, 0
        exit
    fail:
        mov %r0, -1
        exit)");
    const StackLiveness l = liveness_of(p);
    REQUIRE(l.enabled());
    CHECK(l.escapes(3));
    const StackLiveness::ArgReads ahead = l.reads_through_args(7); // the load through r1 is ahead
    CHECK_FALSE(ahead.unknown);
    CHECK((ahead.lo[0] == 0 && ahead.hi[0] == 8));
    StackLiveness::ArgReads below;
    CHECK(l.caller_slots(3, ahead, below) == slot(0));
    CHECK(below == StackLiveness::ArgReads{}); // the caller was handed nothing
    CHECK(l.reads_through_args(9) == StackLiveness::ArgReads{}); // past it
    CHECK(l.reads_through_args(11) == StackLiveness::ArgReads{});
    CHECK(l.reads_through_args(5) == StackLiveness::ArgReads{}); // the caller's own frame: no caller below it
    CHECK(l.live_after_return(3, 9) == slot(0));  // returns 0: the caller reads fp-8
    CHECK(l.live_after_return(3, 11) == 0);       // returns -1: it exits at once
    CHECK(l.live_after_return(3, 7) == slot(0));  // either
    CHECK(l.live_after_return(3, 12) == slot(0)); // r0 as it is at the exit: anything

    // The constant reaches r0 through r6 (kmesh's construct_tuple_key); on the other path
    // a tail call comes first: when it succeeds, the frame returns whatever the program it
    // jumped to returns, so nothing narrows the caller's slots there.
    const isa::Program q = assembled(R"(
        stdw [%r10-8], 1
        mov %r1, %r10
        add %r1, -8
        call local f
        jne %r0, 0, out
        ldxdw %r0, [%r10-8]
    out:
        exit
    f:
        jeq %r2, 0, done
        mov %r1, %r2
        mov %r3, 0
        call 12
    done:
        mov %r6, -1
        mov %r0, %r6
        exit)");
    const StackLiveness m = liveness_of(q);
    REQUIRE(m.enabled());
    CHECK(m.live_after_return(3, 11) == 0);       // `done`: -1, through r6
    CHECK(m.live_after_return(3, 12) == slot(0)); // whatever r6 holds: not known here
    CHECK(m.live_after_return(3, 8) == slot(0));  // a tail call ahead
    CHECK(m.live_after_return(3, 7) == slot(0));
}

TEST_CASE("stack liveness: a callee's reads through its arguments map to the caller's slots, call by call",
          "[verifier][stack_liveness]") {
    // main hands g fp-32, a struct of three u64 (the first: a spilled fp-8). g reads the
    // third through its r1 and hands f r1 + 8, f reads 4 bytes at +4 (fp-20); then g loads
    // the first field (the spill: "g's r1 + 24", as main's slot there held fp-8 at the
    // call) and reads through it.
    const char* text = R"(
        stdw [%r10-8], 7
        mov %r1, %r10
        add %r1, -8
        stxdw [%r10-32], %r1
        stdw [%r10-24], 1
        stdw [%r10-16], 2
        mov %r1, %r10
        add %r1, -32
        call local g
        exit
    g:
        mov %r6, %r1
        ldxdw %r0, [%r6+16]
        mov %r1, %r6
        add %r1, 8
        call local f
        ldxdw %r2, [%r6+FIELD]
        ldxdw %r0, [%r2+0]
        exit
    f:
        ldxw %r0, [%r1+4]
        exit)";
    auto with_field = [&](const char* field) {
        std::string t = text;
        t.replace(t.find("FIELD"), 5, field);
        return assembled(t.c_str());
    };
    const isa::Program p = with_field("0");
    const StackLiveness l = liveness_of(p);
    REQUIRE(l.enabled());
    using Reads = StackLiveness::ArgReads;
    const Reads in_f = l.reads_through_args(18);
    CHECK_FALSE(in_f.unknown);
    CHECK((in_f.lo[0] == 4 && in_f.hi[0] == 8));
    Reads in_g; // f's reads seen from g: through g's own r1, at +12
    CHECK(l.caller_slots(14, in_f, in_g) == 0);
    CHECK((in_g.lo[0] == 12 && in_g.hi[0] == 16 && !in_g.unknown));
    Reads in_main;
    CHECK(l.caller_slots(8, in_g, in_main) == slot(2)); // fp-20: in [fp-24, fp-16)
    CHECK(in_main == Reads{});
    // From g's load of the first field on: through the pointer loaded from the spill.
    CHECK_FALSE(l.reads_through_args(16).unknown);
    CHECK((l.reads_through_args(16).lo[0] == 24 && l.reads_through_args(16).hi[0] == 32));
    CHECK((l.reads_through_args(11).lo[0] == 0 && l.reads_through_args(11).hi[0] == 32));
    CHECK(l.reads_through_args(17) == Reads{});
    CHECK(l.live_before(8) == (slot(0) | slot(1) | slot(2) | slot(3)));

    // Handed fp-32 or fp-24 (paths disagree), g's load at r1 + 0 may be the spill or not:
    // what it gives is some stack pointer, and reading through it may read anything.
    const StackLiveness q = liveness_of(assembled(R"(
        stdw [%r10-8], 7
        mov %r1, %r10
        add %r1, -8
        stxdw [%r10-32], %r1
        stdw [%r10-24], 1
        mov %r1, %r10
        add %r1, -32
        jeq %r2, 0, go
        add %r1, 8
    go:
        call local g
        exit
    g:
        ldxdw %r2, [%r1+0]
        ldxdw %r0, [%r2+0]
        exit)"));
    REQUIRE(q.enabled());
    CHECK(q.reads_through_args(12).unknown);
    CHECK(q.live_before(9) == StackLiveness::kAll);

    // The second field holds data: what g loads from it is not a stack pointer, and main's
    // slots live at the call are the three g and f read: fp-24 (the field, and fp-20), fp-16.
    const StackLiveness m = liveness_of(with_field("8"));
    REQUIRE(m.enabled());
    CHECK_FALSE(m.reads_through_args(11).unknown);
    CHECK(m.live_before(8) == (slot(1) | slot(2)));
    CHECK(m.live_before(11) == 0); // g's own frame: nothing of it is read
}

TEST_CASE("stack liveness: a pointer moved by a register reads all of its frame, and only that frame",
          "[verifier][stack_liveness]") {
    // g indexes the struct main handed it with a register (the verifier keeps the access
    // inside main's frame, wherever it lands), and its own buffer the same way.
    const isa::Program p = assembled(R"(
        stdw [%r10-8], 1
        stdw [%r10-16], 2
        mov %r1, %r10
        add %r1, -16
        mov %r2, 8
        call local g
        exit
    g:
        stdw [%r10-8], 3
        add %r1, %r2
        ldxdw %r0, [%r1+0]
        mov %r3, %r10
        add %r3, %r2
        ldxdw %r0, [%r3-16]
        exit)");
    const StackLiveness l = liveness_of(p);
    REQUIRE(l.enabled());
    const StackLiveness::ArgReads in_g = l.reads_through_args(9);
    CHECK_FALSE(in_g.unknown); // no frame but main's
    StackLiveness::ArgReads below;
    CHECK(l.caller_slots(5, in_g, below) == StackLiveness::kAll);
    CHECK(below == StackLiveness::ArgReads{});
    CHECK(l.live_before(11) == StackLiveness::kAll); // g's own frame, through r10 + r2
    CHECK_FALSE(l.reads_through_args(11).unknown);
}

TEST_CASE("stack liveness: what a callee returns is a stack pointer only where its exits may return one",
          "[verifier][stack_liveness]") {
    // g is handed fp-8 and returns a number: main's r0 after the call is no stack pointer,
    // and a load through it reads none of main's slots. h hands its pointer back.
    const char* text = R"(
        stdw [%r10-8], 1
        stdw [%r10-16], 2
        mov %r1, %r10
        add %r1, -8
        call local CALLEE
        ldxdw %r0, [%r0+0]
        exit
    g:
        ldxdw %r0, [%r1+0]
        mov %r0, 0
        exit
    h:
        mov %r0, %r1
        exit)";
    auto calling = [&](const char* callee) {
        std::string t = text;
        t.replace(t.find("CALLEE"), 6, callee);
        return assembled(t.c_str());
    };
    const StackLiveness g = liveness_of(calling("g"));
    REQUIRE(g.enabled());
    CHECK(g.live_before(5) == 0);
    CHECK(g.live_before(4) == slot(0)); // what g reads through r1
    const StackLiveness h = liveness_of(calling("h"));
    REQUIRE(h.enabled());
    CHECK(h.live_before(5) == StackLiveness::kAll);
}

TEST_CASE("stack liveness: a stack pointer spilled into the frame is followed through its fill",
          "[verifier][stack_liveness]") {
    // As clang spills a pointer to a local buffer under register pressure (Cilium's
    // tail_handle_snat_fwd_ipv6 keeps fp-208 in fp-272): the kernel tracks it as a spilled
    // register, and so does the analysis.
    const isa::Program p = assembled(R"(
        mov %r1, %r10
        add %r1, -16
        stxdw [%r10-8], %r1
        stdw [%r10-16], 1
        stdw [%r10-24], 2
        ldxdw %r2, [%r10-8]
        ldxdw %r0, [%r2+0]
        exit)");
    const StackLiveness l = liveness_of(p);
    REQUIRE(l.enabled());
    CHECK(l.live_before(6) == slot(1));             // through the filled r2 = fp-16
    CHECK(l.live_before(5) == (slot(0) | slot(1))); // the spill itself is read
    CHECK(l.live_before(4) == (slot(0) | slot(1))); // fp-24 is never read
    CHECK(l.live_before(3) == slot(0));             // fp-16 is overwritten whole first
    CHECK(l.live_before(2) == 0);

    // A partial overwrite may have turned the spill into data (allow_ptr_leaks): what the
    // fill gives is fp-16 or a number, so a store through it overwrites nothing for sure.
    const isa::Program partial = assembled(R"(
        mov %r1, %r10
        add %r1, -16
        stxdw [%r10-8], %r1
        stw [%r10-8], 0
        ldxdw %r2, [%r10-8]
        stdw [%r2+0], 1
        ldxdw %r0, [%r10-16]
        exit)");
    const StackLiveness m = liveness_of(partial);
    REQUIRE(m.enabled());
    CHECK((m.live_before(5) & slot(1)) != 0);

    // More slots holding stack pointers than are tracked: no slot liveness.
    std::string many = "mov %r1, %r10\n";
    for (int i = 1; i <= 9; ++i) many += "stxdw [%r10-" + std::to_string(8 * i) + "], %r1\n";
    many += "mov %r0, 0\nexit";
    CHECK_FALSE(liveness_of(assembled(many.c_str())).enabled());
}

TEST_CASE("stack liveness: only an 8-byte load through an unknown stack pointer may bring a pointer back",
          "[verifier][stack_liveness]") {
    // As NetObserv's flow parser does (a pointer into a caller's struct filled from a
    // spill, a 2-byte field byte-swapped in place): the loaded half-word is data, storing
    // it anywhere keeps the analysis on (it turned off before: 5,198 processed against
    // the kernel's 2,526; 1,648 with it).
    auto program = [](const char* load, const char* store = "stxh [%r6+2], %r4") {
        return assembled((std::string(R"(
        mov %r6, %r10
        add %r6, -16
        stxdw [%r10-8], %r6
        ldxb %r3, [%r1+0]
        and %r3, 7
        add %r6, %r3
        )") + load + "\n" + store + R"(
        mov %r0, 0
        exit)").c_str());
    };
    CHECK(liveness_of(program("ldxh %r4, [%r6+0]")).enabled());
    CHECK(liveness_of(program("ldxw %r4, [%r6+0]")).enabled());
    CHECK(liveness_of(program("ldxh %r4, [%r6+0]", "stxdw [%r6+2], %r4")).enabled());
    // Eight bytes may be the spilled fp-16, and a pointer stored whole where no slot is
    // tracked could come back unseen.
    CHECK_FALSE(liveness_of(program("ldxdw %r4, [%r6+0]", "stxdw [%r6+2], %r4")).enabled());
    // Stored in fewer bytes it cannot: on the stack that store is refused ("partial store
    // of a pointer to the stack"), elsewhere its bytes are data (dae's route_loop_cb keeps
    // a callback's index, "Any" at the callback's entry, as a 4-byte map key).
    CHECK(liveness_of(program("ldxdw %r4, [%r6+0]")).enabled());
    CHECK(liveness_of(program("ldxdw %r4, [%r6+0]", "stxw [%r10-24], %r4")).enabled());
}

TEST_CASE("stack liveness: a register that is a stack pointer on one path only reads where it points",
          "[verifier][stack_liveness]") {
    // r2 is the ctx on one path and fp-16 on the other: a load through it reads fp-16 or
    // no stack at all (not every slot), and a store through it overwrites nothing for sure.
    const isa::Program p = assembled(R"(
        mov %r2, %r1
        jeq %r1, 0, join
        mov %r2, %r10
        add %r2, -16
    join:
        stdw [%r10-24], 7
        ldxdw %r0, [%r2+0]
        stdw [%r2+0], 1
        ldxdw %r0, [%r10-16]
        exit)");
    const StackLiveness l = liveness_of(p);
    REQUIRE(l.enabled());
    CHECK(l.live_before(5) == slot(1));
    CHECK(l.live_before(4) == slot(1)); // fp-24 is overwritten whole before any read
    CHECK(l.live_before(6) == slot(1)); // the store may have missed fp-16
}

TEST_CASE("stack liveness: paths that hand one helper call different buffers read the buffers' hull",
          "[verifier][stack_liveness]") {
    // r2 is fp-16 on one path and fp-32 on the other when both reach one map lookup (a
    // 4-byte key): the call reads [fp-32, fp-12) at most, so fp-40 below both buffers and
    // fp-8 above them stay dead (OTel's http_filter: 3,940 -> 3,176 processed, the kernel
    // 3,321; every slot was live before), and a store through r2 overwrites nothing for sure.
    Builder b;
    b.st(Size::DW, r10, -40, 0).st(Size::W, r10, -16, 0).st(Size::W, r10, -32, 0);
    b.mov(r2, r10).add(r2, -16);
    b.j(Cond::Eq, r1, 0, "call").mov(r2, r10).add(r2, -32);
    b.label("call").st(Size::DW, r2, 0, 1).ld_map(r1, kHashMap).call(1);
    b.mov(r0, 0).exit();
    const isa::Program p = b.build();
    const StackLiveness l(p, p.subprogram_starts, &corpus_helpers(), corpus_maps());
    REQUIRE(l.enabled());
    const uint32_t store = uint32_t(p.size() - 6), lookup = uint32_t(p.size() - 3);
    const uint64_t hull = slot(1) | slot(2) | slot(3);
    CHECK(l.live_before(lookup) == hull);
    CHECK(l.live_before(store) == hull);
    CHECK(l.live_before(0) == hull);
}

TEST_CASE("stack liveness: a pointer in a slot that is read later is never pruned against data",
          "[verifier][stack_liveness]") {
    // Two paths join at `join`: one spilled the ctx into fp-8, the other a number. The
    // slot is live after the join (a helper key, a callee, a variable-offset read), so the
    // pointer path must be explored and rejected, in either exploration order.
    enum class Reader { Helper, Callee, VarOffset, SpilledStackPointer };
    for (Reader reader : {Reader::Helper, Reader::Callee, Reader::VarOffset, Reader::SpilledStackPointer})
        for (bool pointer_first : {false, true}) {
            INFO("reader " << int(reader) << (pointer_first ? ", pointer path first" : ", data path first"));
            Builder b;
            b.mov(r6, r1).call(7).mov(r7, r0).and_(r7, 8).j(Cond::Eq, r0, 0, "other");
            if (pointer_first) b.stx(Size::DW, r10, -8, r6);
            else b.st(Size::DW, r10, -8, 0);
            b.st(Size::DW, r10, -16, 0);
            for (int i = 0; i < 8; ++i) b.mov(r0, i); // the first path stores a checkpoint at the join
            b.ja("join").label("other");
            if (pointer_first) b.st(Size::DW, r10, -8, 0);
            else b.stx(Size::DW, r10, -8, r6);
            b.st(Size::DW, r10, -16, 0);
            for (int i = 0; i < 8; ++i) b.mov(r0, i);
            b.label("join").mov(r0, 0);
            switch (reader) {
            case Reader::Helper:
                b.mov(r2, r10).add(r2, -8).ld_map(r1, kHashMap).call(1).mov(r0, 0).exit();
                break;
            case Reader::Callee:
                b.mov(r1, r10).add(r1, -8).call_local("f").mov(r0, 0).exit();
                b.label("f").ldx(Size::W, r0, r1, 4).exit();
                break;
            case Reader::VarOffset:
                b.mov(r1, r10).add(r1, -16).add(r1, r7).ldx(Size::W, r0, r1, 4).exit();
                break;
            case Reader::SpilledStackPointer: // fp-8's address kept in fp-24, read through its fill
                b.mov(r1, r10).add(r1, -8).stx(Size::DW, r10, -24, r1).mov(r1, 0);
                b.ldx(Size::DW, r2, r10, -24).ldx(Size::W, r0, r2, 4).exit();
                break;
            }
            Report r = check(b.build(), corpus_input(ProgramType::Xdp));
            INFO((r.rejection ? r.rejection->headline : std::string("accepted")));
            CHECK_FALSE(r.ok());
        }
}

TEST_CASE("stack liveness: a slot overwritten before any read does not keep two paths apart",
          "[verifier][stack_liveness]") {
    // As above, but fp-8 is overwritten whole after the join: the second path is pruned.
    Builder b;
    b.mov(r6, r1).call(7).j(Cond::Eq, r0, 0, "other").stx(Size::DW, r10, -8, r6);
    for (int i = 0; i < 8; ++i) b.mov(r0, i);
    b.ja("join").label("other").st(Size::DW, r10, -8, 0);
    for (int i = 0; i < 8; ++i) b.mov(r0, i);
    b.label("join").mov(r0, 0).st(Size::DW, r10, -8, 1).ldx(Size::DW, r0, r10, -8).exit();
    Report r = check(b.build(), corpus_input(ProgramType::Xdp));
    REQUIRE(r.ok());
    CHECK(r.stats.states_pruned >= 1);
}

#ifdef EBPFJIT_VERIFIER_C_OBJECT_DIR
TEST_CASE("stack liveness: the big parser processes no more instructions than the kernel",
          "[verifier][stack_liveness][c]") {
    // bench/kernel_compare/run.sh on Linux 6.18: the kernel processes 5,860 instructions;
    // before stack-slot liveness this verifier processed 13,751.
    auto obj = runtime::elf::read_object_file(std::string(EBPFJIT_VERIFIER_C_OBJECT_DIR) + "/xdp_big_parser.o");
    REQUIRE(obj);
    REQUIRE(obj->programs.size() == 1);
    Report r = check(obj->programs[0].program, c_object_input(*obj, obj->programs[0]));
    REQUIRE(r.ok());
    CHECK(r.stats.processed_insns <= 5'860);
}

TEST_CASE("stack liveness: a callee's shared failure exit ignores the caller's slots nothing reads again",
          "[verifier][stack_liveness][c]") {
    // tests/verifier/c/xdp_caller_stack.c (kmesh's construct_tuple_key: xdp_auth.o
    // policies_check 420 -> 270 processed, the kernel 383), loaded into Linux 6.18 with
    // libbpf: the kernel's counts. Before the caller's frame was seen from the callee
    // (stack_liveness.hpp reads_through_args, live_after_return) every arrival at the failure
    // block with a different struct walked it again: 280 and 243 processed.
    const std::map<std::string, uint64_t> kernel = {{"caller_struct_error_exit", 184}, {"caller_struct_unread", 155}};
    check_within_kernel_counts("xdp_caller_stack.o", kernel);
}

TEST_CASE("stack liveness: a callee reading one field of its caller's struct leaves the others dead",
          "[verifier][stack_liveness][c]") {
    // tests/verifier/c/xdp_caller_arg_reads.c (gtp-guard's gtp_fwd_main: 6,446 -> 3,409
    // processed, the kernel 4,576). Linux 6.18: 210 processed. While every slot of the
    // caller was live in its callee (any read through a stack argument could read all of
    // it), the paths whose struct held different packet pointers in a field the callee
    // never reads walked the callee apart: 195. Only the field it reads is live now: 142.
    const Report r = check_single_program("xdp_caller_arg_reads.o");
    INFO(r.stats.processed_insns);
    REQUIRE(r.ok());
    CHECK(r.stats.processed_insns <= 160);
}
#endif

} // namespace ebpfjit::verifier::test
