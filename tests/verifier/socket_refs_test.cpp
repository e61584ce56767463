// Reference tracking for sockets (issue 16 item 3): bpf_sk_lookup_* acquires, the NULL
// check splits, bpf_sk_release gives back; a leak at exit or tail call, a double release,
// a release before the NULL check, and invalid reads through a socket are rejected, located and
// named as the kernel does ("Unreleased reference id=N alloc_insn=M"). And 32-bit pointer
// subtraction (item 4). Programs in the assembler's text syntax, checked against the
// builtin helper table.
#include <catch2/catch.hpp>

#include <string>

#include "corpus.hpp"
#include "helpers/helper_table.hpp"
#include "isa/assembler.hpp"
#include "program_builder.hpp"

namespace ebpfjit::verifier::test {

namespace {

struct RefCase {
    const char* name;
    ProgramType type;
    std::string text;
    bool accept;
    Reason reason = Reason::EmptyProgram;
    uint32_t insn = 0;
    const char* says = ""; // part of the rejection headline
};

constexpr auto Tc = ProgramType::SchedCls;
constexpr auto Xdp = ProgramType::Xdp;

// Slots 0-6: r2 = data + (u32)(data_end - data), r3 = data_end (XDP-Forwarding's length).
std::string data_plus_u32_length() {
    return R"(
            ldxw %r2, [%r1+0]
            ldxw %r3, [%r1+4]
            mov %r4, %r3
            sub %r4, %r2
            lsh %r4, 32
            rsh %r4, 32
            add %r2, %r4
            )";
}

// Slots 0-9: a 12-byte IPv4 tuple on the stack, then `call <lookup>` at slot 9.
std::string lookup(int helper = 84) {
    return R"(
        mov %r6, %r1
        stdw [%r10-16], 0
        stdw [%r10-8], 0
        mov %r1, %r6
        mov %r2, %r10
        add %r2, -16
        mov %r3, 12
        mov %r4, -1
        mov %r5, 0
        call )" + std::to_string(helper) + "\n";
}

std::vector<RefCase> cases() {
    return {
        {"lookup, NULL check, release", Tc, lookup() + R"(
            jeq %r0, 0, out
            mov %r1, %r0
            call 86
        out:
            mov %r0, 0
            exit)", true},
        {"udp lookup in XDP, release on the non-NULL edge of jne", Xdp, lookup(85) + R"(
            jne %r0, 0, release
            mov %r0, 2
            exit
        release:
            mov %r1, %r0
            call 86
            mov %r0, 2
            exit)", true},
        {"skc lookup, sk_assign, release", Tc, lookup(99) + R"(
            jeq %r0, 0, out
            mov %r7, %r0
            mov %r1, %r6
            mov %r2, %r7
            mov %r3, 0
            call 124
            mov %r1, %r7
            call 86
        out:
            mov %r0, 0
            exit)", true},
        {"spilled socket released through the fill", Tc, lookup() + R"(
            jeq %r0, 0, out
            stxdw [%r10-24], %r0
            call 7
            ldxdw %r1, [%r10-24]
            call 86
        out:
            mov %r0, 0
            exit)", true},
        {"leak at exit", Tc, lookup() + R"(
            jeq %r0, 0, out
            mov %r0, 1
        out:
            mov %r0, 0
            exit)", false, Reason::ReferenceLeak, 13, "Unreleased reference id="},
        {"leak on one path", Tc, lookup() + R"(
            jeq %r0, 0, out
            mov %r7, %r0
            call 7
            jgt %r0, 100, out
            mov %r1, %r7
            call 86
        out:
            mov %r0, 0
            exit)", false, Reason::ReferenceLeak, 17, "alloc_insn=9"},
        {"leak names the acquiring insn", Tc, lookup() + R"(
            jeq %r0, 0, out
            mov %r0, 1
        out:
            mov %r0, 0
            exit)", false, Reason::ReferenceLeak, 13, "the socket looked up at insn 9 is not released"},
        {"double release (a spilled copy)", Tc, lookup() + R"(
            jeq %r0, 0, out
            stxdw [%r10-24], %r0
            mov %r1, %r0
            call 86
            ldxdw %r1, [%r10-24]
            call 86
        out:
            mov %r0, 0
            exit)", false, Reason::ReferenceRelease, 15,
         "held the reference acquired at insn 9, which was released at insn 13: double release"},
        {"use after release", Tc, lookup() + R"(
            jeq %r0, 0, out
            mov %r7, %r0
            mov %r1, %r7
            call 86
            mov %r0, %r7
        out:
            mov %r0, 0
            exit)", false, Reason::ReferenceRelease, 14, "released at insn 13"},
        {"release without a NULL check", Tc, lookup() + R"(
            mov %r1, %r0
            call 86
            mov %r0, 0
            exit)", false, Reason::HelperArgument, 11, "checked against NULL"},
        {"release of something that is not a socket", Tc, R"(
            mov %r1, %r10
            add %r1, -8
            call 86
            mov %r0, 0
            exit)", false, Reason::HelperArgument, 2, "a socket"},
        {"read of struct bpf_sock's family through a socket", Tc, lookup() + R"(
            jeq %r0, 0, out
            ldxw %r1, [%r0+4]
            mov %r1, %r0
            call 86
        out:
            mov %r0, 0
            exit)", true},
        {"an 8-byte read through a socket (sock_fields_test.cpp has the field rules)", Tc, lookup() + R"(
            jeq %r0, 0, out
            ldxdw %r1, [%r0+0]
            mov %r1, %r0
            call 86
        out:
            mov %r0, 0
            exit)", false, Reason::InvalidMemoryAccess, 11, "struct bpf_sock"},
        {"read through a socket before the NULL check", Tc, lookup() + R"(
            ldxw %r1, [%r0+4]
            mov %r0, 0
            exit)", false, Reason::NullPointerDereference, 10},
        {"arithmetic on a socket", Tc, lookup() + R"(
            jeq %r0, 0, out
            add %r0, 8
            mov %r1, %r0
            call 86
        out:
            mov %r0, 0
            exit)", false, Reason::PointerArithmetic, 11, "sock"},
        {"socket returned", Tc, lookup() + R"(
            jeq %r0, 0, out
            exit
        out:
            mov %r0, 0
            exit)", false, Reason::ReturnValue, 11},
        {"sk_assign is tc only", Xdp, lookup(99) + R"(
            jeq %r0, 0, out
            mov %r7, %r0
            mov %r1, %r6
            mov %r2, %r7
            mov %r3, 0
            call 124
            mov %r1, %r7
            call 86
        out:
            mov %r0, 0
            exit)", false, Reason::HelperNotAllowed, 15},
        {"get_socket_cookie in tc", Tc, R"(
            call 46
            exit)", true},
        // 32-bit pointer subtraction: the low half of an offset, upper half zero (the
        // fall-through reads an uninitialised register, so it must be infeasible).
        {"w1 -= w3 on two packet pointers", Xdp, R"(
            ldxw %r2, [%r1+0]
            ldxw %r3, [%r1+4]
            mov %r1, %r3
            sub32 %r1, %r2
            mov %r0, %r1
            rsh %r1, 32
            jeq %r1, 0, ok
            mov %r0, %r5
        ok:
            exit)", true},
        {"32-bit subtraction across regions", Xdp, R"(
            ldxw %r2, [%r1+0]
            mov %r1, %r10
            sub32 %r1, %r2
            mov %r0, %r1
            exit)", false, Reason::PointerArithmetic, 2, "32-bit arithmetic on a pointer"},
        {"32-bit addition of packet pointers", Xdp, R"(
            ldxw %r2, [%r1+0]
            ldxw %r3, [%r1+4]
            mov %r1, %r3
            add32 %r1, %r2
            mov %r0, 0
            exit)", false, Reason::PointerArithmetic, 3, "32-bit arithmetic on a pointer"},
        {"32-bit pointer minus scalar", Xdp, R"(
            ldxw %r2, [%r1+0]
            sub32 %r2, 4
            mov %r0, 0
            exit)", false, Reason::PointerArithmetic, 1, "32-bit arithmetic on a pointer"},
        // data + (u32)(data_end - data), only compared with data_end (XDP-Forwarding): the
        // kernel's check_reg_sane_offset bounds the scalar's minimum only.
        {"packet pointer plus a u32 length, compared with data_end", Xdp, data_plus_u32_length() + R"(
            mov %r0, 2
            jle %r2, %r3, out
            mov %r0, 1
        out:
            exit)", true},
        // Its unsafe twin: one byte past it is checked, two are read. (Reading the checked
        // byte is safe, and accepted: data <= p and p + 1 <= data_end; the kernel refuses
        // it only because its u16 ranges cannot hold such offsets.)
        {"two bytes read through packet pointer plus a u32 length, one checked", Xdp, data_plus_u32_length() + R"(
            mov %r5, %r2
            add %r5, 1
            mov %r0, 2
            jgt %r5, %r3, out
            ldxh %r0, [%r2+0]
        out:
            exit)", false, Reason::PacketOutOfBounds, 11, "packet access with an unbounded offset"},
    };
}

VerifierInput builtin_input(ProgramType t) {
    VerifierInput in = corpus_input(t);
    in.helpers = &helpers::HelperTable::builtin();
    return in;
}

} // namespace

TEST_CASE("socket references and 32-bit pointer subtraction get the kernel's verdicts", "[verifier][refs]") {
    for (const RefCase& c : cases()) {
        INFO(c.name);
        auto program = isa::assemble(c.text);
        REQUIRE(program.has_value());
        Report r = check(*program, builtin_input(c.type));
        INFO((r.rejection ? r.rejection->headline : std::string("accepted")));
        if (c.accept) {
            CHECK(r.ok());
            continue;
        }
        REQUIRE_FALSE(r.ok());
        CHECK(to_string(r.rejection->reason) == to_string(c.reason));
        CHECK(r.rejection->insn == c.insn);
        CHECK(r.rejection->headline.find(c.says) != std::string::npos);
    }
}

TEST_CASE("a socket held at a tail call is a leak", "[verifier][refs]") {
    Builder b;
    b.mov(r6, r1).st(Size::DW, r10, -16, 0).st(Size::DW, r10, -8, 0).mov(r1, r6).mov(r2, r10).add(r2, -16)
        .mov(r3, 12).mov(r4, -1).mov(r5, 0).call(84) // slot 9
        .j(Cond::Eq, r0, 0, "out").mov(r7, r0).mov(r1, r6).ld_map(r2, kProgArray).mov(r3, 0);
    const size_t at = b.size();
    b.call(12).mov(r1, r7).call(86).label("out").mov(r0, 0).exit();
    Report r = check(b.build(), builtin_input(Tc));
    REQUIRE_FALSE(r.ok());
    INFO(r.rejection->headline);
    CHECK(r.rejection->reason == Reason::ReferenceLeak);
    CHECK(r.rejection->insn == at);
    CHECK(r.rejection->headline.find("tail_call would lead to reference leak: Unreleased reference") !=
          std::string::npos);
    CHECK(r.rejection->headline.find("alloc_insn=9") != std::string::npos);
}

TEST_CASE("a callback gives back what it acquired before it returns", "[verifier][refs]") {
    Builder b;
    b.mov(r1, 4).ld_func(r2, "cb").mov(r3, 0).mov(r4, 0).call(181).mov(r0, 0).exit();
    b.label("cb").ld_map(r1, kRingbufMap).mov(r2, 8).mov(r3, 0).call(131); // slot 12
    b.j(Cond::Eq, r0, 0, "done").st(Size::DW, r0, 0, 1).label("done").mov(r0, 0);
    const size_t at = b.size();
    b.exit();
    Report r = check(b.build(), builtin_input(Xdp));
    REQUIRE_FALSE(r.ok());
    INFO(r.rejection->headline);
    CHECK(r.rejection->reason == Reason::ReferenceLeak);
    CHECK(r.rejection->insn == at);
    CHECK(r.rejection->headline.find("callback returns holding a reference it acquired: Unreleased reference") !=
          std::string::npos);
    CHECK(r.rejection->headline.find("alloc_insn=12") != std::string::npos);
}

TEST_CASE("a socket stored into a map value is a leak", "[verifier][refs]") {
    Builder b;
    b.mov(r6, r1).st(Size::DW, r10, -16, 0).st(Size::DW, r10, -8, 0).mov(r1, r6).mov(r2, r10).add(r2, -16)
        .mov(r3, 12).mov(r4, -1).mov(r5, 0).call(84).j(Cond::Eq, r0, 0, "out").mov(r7, r0)
        .st(Size::W, r10, -20, 0).ld_map(r1, kArrayMap).mov(r2, r10).add(r2, -20).call(1)
        .j(Cond::Eq, r0, 0, "release");
    const size_t at = b.size();
    b.stx(Size::DW, r0, 0, r7).label("release").mov(r1, r7).call(86).label("out").mov(r0, 0).exit();
    Report r = check(b.build(), builtin_input(Tc));
    REQUIRE_FALSE(r.ok());
    INFO(r.rejection->headline);
    CHECK(r.rejection->reason == Reason::PointerStore);
    CHECK(r.rejection->insn == at);
    CHECK(r.rejection->headline.find("leaks addr into map value") != std::string::npos);
}

TEST_CASE("privileged: a released socket's copies are numbers, a 32-bit pointer SUB a scalar", "[verifier][refs]") {
    VerifierInput in = builtin_input(Tc);
    in.allow_ptr_leaks = true;
    // As the kernel's mark_reg_invalid does with allow_ptr_leaks: the copy is an unknown
    // scalar, so a second release is a wrong argument, not an uninitialised read.
    auto twice = isa::assemble(lookup() + R"(
        jeq %r0, 0, out
        mov %r7, %r0
        mov %r1, %r7
        call 86
        mov %r1, %r7
        call 86
    out:
        mov %r0, 0
        exit)");
    REQUIRE(twice.has_value());
    Report r = check(*twice, in);
    REQUIRE_FALSE(r.ok());
    CHECK(r.rejection->insn == 15);
    CHECK(to_string(r.rejection->reason) == to_string(Reason::HelperArgument));
    auto sub = isa::assemble(R"(
        ldxw %r2, [%r1+0]
        sub32 %r2, 4
        mov %r0, %r2
        exit)");
    REQUIRE(sub.has_value());
    CHECK(check(*sub, in).ok());
    // A scalar minus a packet pointer in 32 bits (gtp-guard's `data_end - payload`, clang 14:
    // a 32-bit copy of data_end, then the pointer subtracted): a scalar privileged; by
    // default the copy already leaks the pointer.
    auto from_scalar = isa::assemble(R"(
        ldxw %r2, [%r1+0]
        ldxw %r3, [%r1+4]
        mov32 %r4, %r3
        sub32 %r4, %r2
        mov %r0, %r4
        exit)");
    REQUIRE(from_scalar.has_value());
    CHECK(check(*from_scalar, in).ok());
    Report strict = check(*from_scalar, builtin_input(Xdp));
    REQUIRE_FALSE(strict.ok());
    CHECK(strict.rejection->insn == 2);
    CHECK(to_string(strict.rejection->reason) == to_string(Reason::PointerArithmetic));
}

} // namespace ebpfjit::verifier::test
