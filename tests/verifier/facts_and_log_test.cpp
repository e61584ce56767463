// The proof handed to the JIT (facts), the headline format, the log levels, line info,
// and the Result-returning API.
#include <catch2/catch.hpp>

#include "corpus.hpp"
#include "program_builder.hpp"

namespace ebpfjit::verifier::test {

namespace {

Report run(const Builder& b, ProgramType t = ProgramType::Xdp, int log_level = 0) {
    VerifierInput in = corpus_input(t);
    in.log_level = log_level;
    return check(b.build(), in);
}

} // namespace

TEST_CASE("headline names the insn, its text, the reason and the register", "[verifier][log]") {
    Builder b;
    b.ldx(Size::W, r2, r1, 0).ldx(Size::W, r3, r1, 4).mov(r4, r2).add(r4, 14).j(Cond::Gt, r4, r3, "drop")
        .ldx(Size::W, r1, r2, 14).mov(r0, 2).exit().label("drop").mov(r0, 1).exit();
    Report r = run(b);
    REQUIRE_FALSE(r.ok());
    CHECK(r.rejection->headline ==
          "insn 5: r1 = *(u32 *)(r2 + 14): packet access out of bounds: r2 = pkt(off=0, r=14) needs 18 bytes");
    CHECK(r.rejection->reason == Reason::PacketOutOfBounds);
    Error e = r.error();
    CHECK(e.insn == 5u);
    CHECK(e.to_string() == r.rejection->headline);
}

TEST_CASE("line info adds the source line", "[verifier][log]") {
    Builder b;
    b.mov(r0, r5).exit();
    VerifierInput in = corpus_input(ProgramType::Xdp);
    in.line_info = {{0, "prog.c:7: return x;"}};
    Report r = check(b.build(), in);
    REQUIRE_FALSE(r.ok());
    CHECK(r.rejection->headline == "insn 0: r0 = r5: r5 is not initialized (source: prog.c:7: return x;)");
}

TEST_CASE("log levels", "[verifier][log]") {
    Builder b;
    b.mov(r1, 0).label("l").add(r1, 1).j(Cond::Lt, r1, 3, "l").mov(r0, r1).exit();
    Report quiet = run(b, ProgramType::Xdp, 0);
    CHECK(quiet.ok());
    CHECK(quiet.log.empty());
    Report trace = run(b, ProgramType::Xdp, 2);
    CHECK(trace.ok());
    CHECK(trace.log.find("1: r1 += 1") != std::string::npos);
    CHECK(trace.log.find("r1=3") != std::string::npos);
    CHECK(trace.stats.processed_insns == 9); // 1 + 3 x 2 + 2

    Builder bad;
    bad.mov(r1, 7).ldx(Size::B, r0, r1, 0).exit();
    Report one = run(bad, ProgramType::Xdp, 1);
    REQUIRE_FALSE(one.ok());
    CHECK(one.log.find("state: r1=7") != std::string::npos); // the state at the failing insn
}

TEST_CASE("facts: dead code, bounds, divisors, upper halves", "[verifier][facts]") {
    Builder b;
    b.mov(r1, 5)                                 // 0
        .j(Cond::Gt, r1, 10, "dead")             // 1
        .call(7)                                 // 2
        .mov(r6, r0)                             // 3
        .alu(AluOp::Div, r6, 10)                 // 4: constant divisor
        .alu(AluOp::Div, r6, r0)                 // 5: r0 may be 0
        .j(Cond::Eq, r0, 0, "out")               // 6
        .alu(AluOp::Mod, r6, r0)                 // 7: r0 != 0 here
        .mov32(r7, r6)                           // 8
        .st(Size::DW, r10, -8, 0)                // 9
        .ldx(Size::W, r8, r10, -8)               // 10: r7 upper half zero before this
        .label("out").mov(r0, 0).exit()          // 11, 12
        .label("dead").mov(r0, 1).exit();        // 13, 14
    Report r = run(b);
    REQUIRE(r.ok());
    const Facts& f = r.facts;
    REQUIRE(f.reachable.size() == 15);
    CHECK(f.is_reachable(12));
    CHECK_FALSE(f.is_reachable(13));
    CHECK_FALSE(f.is_reachable(14));
    CHECK(f.divisor_is_safe(4));
    CHECK_FALSE(f.divisor_is_safe(5));
    CHECK(f.divisor_is_safe(7));
    CHECK(f.in_bounds(9));
    CHECK(f.in_bounds(10));
    CHECK_FALSE(f.in_bounds(8));
    CHECK(f.upper_zero(10, 7));
    CHECK(f.upper_zero(11, 0) == false); // r0 from a helper on one path
    CHECK(f.upper_zero(12, 0));          // r0 = 0
    CHECK_FALSE(f.upper_zero(4, 6));     // helper result: unknown
}

TEST_CASE("facts: signed division by a possible -1 is not safe", "[verifier][facts]") {
    Builder b;
    b.call(7).mov(r6, r0).j(Cond::Eq, r0, 0, "out").alu(AluOp::SDiv, r6, r0).label("out").mov(r0, 0).exit();
    Report r = run(b);
    REQUIRE(r.ok());
    CHECK_FALSE(r.facts.divisor_is_safe(3));
    Builder c;
    c.call(7).mov(r6, r0).and_(r0, 7).add(r0, 1).alu(AluOp::SDiv, r6, r0).mov(r0, 0).exit();
    Report rc = run(c);
    REQUIRE(rc.ok());
    CHECK(rc.facts.divisor_is_safe(4));
}

TEST_CASE("structural level reports CFG reachability only", "[verifier][facts]") {
    Builder b;
    b.mov(r1, 0).label("l").add(r1, 1).ja("l"); // infinite, but structurally fine
    VerifierInput in = corpus_input(ProgramType::Mem, Level::Structural);
    Report r = check(b.build(), in);
    REQUIRE(r.ok());
    CHECK(r.facts.reachable.size() == 3);
    CHECK(r.facts.access_in_bounds.empty());
    CHECK_FALSE(r.facts.in_bounds(0));
    VerifierInput full = corpus_input(ProgramType::Mem);
    full.require_termination_proof = true; // the kernel's verdict
    Report rf = check(b.build(), full);
    REQUIRE_FALSE(rf.ok());
    CHECK(rf.rejection->reason == Reason::ComplexityLimit); // r1 grows forever
    // By default the loop pass accepts it (nothing is accessed) and names the loop whose
    // termination only the instruction budget ensures.
    Report rd = check(b.build(), corpus_input(ProgramType::Mem));
    REQUIRE(rd.ok());
    CHECK(rd.facts.budget_loops == std::vector<uint32_t>{1});
}

TEST_CASE("verify() returns facts or a located error", "[verifier]") {
    Builder ok;
    ok.mov(r0, 2).exit();
    auto f = verify(ok.build(), corpus_input(ProgramType::Xdp));
    REQUIRE(f.has_value());
    CHECK(f->reachable.size() == 2);
    Builder bad;
    bad.mov(r0, 2).exit().mov(r0, 1).exit();
    auto e = verify(bad.build(), corpus_input(ProgramType::Xdp));
    REQUIRE_FALSE(e.has_value());
    CHECK(e.error().insn == 2u);
    CHECK(e.error().message == "unreachable instruction");
}

TEST_CASE("pruning keeps diamond chains linear and counts its work", "[verifier][pruning]") {
    Builder b;
    b.call(7).mov(r6, r0).mov(r0, 0).mov(r8, 0);
    for (int i = 0; i < 40; ++i) {
        std::string l = "d" + std::to_string(i);
        b.mov(r7, r6).rsh(r7, i).and_(r7, 1).j(Cond::Eq, r7, 0, l).add(r8, 0).label(l);
    }
    b.mov(r0, 0).exit();
    VerifierInput in = corpus_input(ProgramType::Mem);
    Report r = check(b.build(), in);
    REQUIRE(r.ok());
    CHECK(r.stats.states_pruned > 0);
    CHECK(r.stats.processed_insns < 2000);
}

TEST_CASE("programs of a million instructions are within the limit; more are not", "[verifier]") {
    isa::Program big;
    big.insns.assign(kMaxProgramSize + 1, isa::Alu{AluOp::Mov, true, {0}, isa::Imm{0}});
    big.insns.back() = isa::Exit{};
    big.subprogram_starts = {0};
    Report r = check(big, corpus_input(ProgramType::Mem));
    REQUIRE_FALSE(r.ok());
    CHECK(r.rejection->reason == Reason::ProgramTooLarge);
}

} // namespace ebpfjit::verifier::test
