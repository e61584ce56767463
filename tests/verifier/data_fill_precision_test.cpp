// A load of stack bytes that are plain data gives an unknown value whatever the bytes
// are, so precision needed for that value ends at the load: it does not make the slot's
// older contents precise (the kernel's backtrack_insn: a load without INSN_F_STACK_ACCESS).
// Stack writes by helpers and atomics are plain data too, never a (narrow) spill: the
// kernel writes them with value_regno < 0 (STACK_MISC).
//
// Cilium's bpf_host tail_ipv6_host_policy_ingress: a constant spilled 8 bytes wide before a
// branch, the slot rewritten as a 4-byte zero and a 2-byte skb_load_bytes, a 4-byte fill
// compared later: the constant became precise at every checkpoint before, which split the
// paths at each (24,644 instructions processed against the kernel's 14,740; 13,688 now).
#include <catch2/catch.hpp>

#include <string>

#include "verify_text.hpp"

namespace ebpfjit::verifier::test {

namespace {

// An XDP program (r6 = ctx, for bpf_xdp_load_bytes, which writes the stack).
Report verify_xdp(const std::string& text) { return verify_text("mov %r6, %r1\n" + text, ProgramType::Xdp); }

// Two paths spill constants (1, then `second`) at fp-16 and meet at `join`; after it,
// `rewrite` replaces part of the slot and a 4-byte fill of fp-16 indexes the stack (so the
// filled value is needed precise).
std::string two_constants_then(const std::string& rewrite, int second = 2) {
    return "stdw [%r10-64], 0\ncall 7\njeq %r0, 0, other\nstdw [%r10-16], 1\nja join\nother:\n"
           "stdw [%r10-16], " +
           std::to_string(second) + "\njoin:\n" + rewrite +
           "\nldxw %r8, [%r10-16]\nand %r8, 7\nmov %r3, %r10\nadd %r3, -64\nadd %r3, %r8\nldxb %r0, [%r3]\n"
           "mov %r0, 0\nexit";
}

} // namespace

TEST_CASE("precision: a fill of plain data does not make the slot's older value precise",
          "[verifier][precision]") {
    // A 4-byte zero, then a helper writes 2 bytes of it: the fill reads data, so the second
    // path is pruned at `join` as if both had spilled the same constant.
    const std::string rewrite = "stw [%r10-16], 0\nmov %r1, %r6\nmov %r2, 0\nmov %r3, %r10\nadd %r3, -16\n"
                                "mov %r4, 2\ncall 189";
    Report r = verify_xdp(two_constants_then(rewrite));
    Report same = verify_xdp(two_constants_then(rewrite, 1));
    INFO(headline(r));
    REQUIRE(r.ok());
    REQUIRE(same.ok());
    CHECK(r.stats.processed_insns == same.stats.processed_insns);
    // Control: a fill of the constants themselves needs them; no pruning at `join`.
    Report kept = verify_xdp(two_constants_then("mov %r1, 0"));
    INFO(headline(kept));
    REQUIRE(kept.ok());
    CHECK(kept.stats.states_pruned == 0);
}

TEST_CASE("precision: a fill of known zeros still depends on them", "[verifier][precision]") {
    // Zeros on one path, data on the other: the fill indexes fp-64..fp-57 in bounds only
    // when it is 0, so the data path must not be pruned against it (and is unsafe).
    Report r = verify_xdp("stdw [%r10-64], 0\ncall 7\nmov %r6, %r0\ncall 7\njeq %r6, 0, other\nstdw [%r10-16], 0\n"
                          "ja join\nother:\nstxdw [%r10-16], %r0\njoin:\nldxw %r8, [%r10-16]\nand %r8, 255\nmov %r3, %r10\n"
                          "add %r3, -64\nadd %r3, %r8\nldxb %r0, [%r3]\nmov %r0, 0\nexit");
    INFO(headline(r));
    REQUIRE_FALSE(r.ok());
    CHECK(r.rejection->reason == Reason::StackOutOfBounds);
}

TEST_CASE("precision: a helper's or an atomic's stack write is data, not a narrow spill", "[verifier][precision]") {
    // `write` puts data in fp-16's first 4 bytes on one path, an 8-byte unknown is spilled
    // on the other; the 4-byte fill after the join is data on the first: nothing is
    // precise there, so the second path is pruned. As a narrow spill the written unknown
    // would have become precise and kept the paths apart.
    for (const char* write : {"mov %r1, %r6\nmov %r2, 0\nmov %r3, %r10\nadd %r3, -16\nmov %r4, 4\ncall 189",
                              "mov %r1, 1\nlock add32 [%r10-16], %r1"}) {
        Report r = verify_xdp("stdw [%r10-64], 0\nstdw [%r10-16], 0\ncall 7\njne %r0, 0, other\n" + std::string(write) +
                              "\nja join\nother:\ncall 7\nstxdw [%r10-16], %r0\njoin:\nldxw %r8, [%r10-16]\nand %r8, 7\n"
                              "mov %r3, %r10\nadd %r3, -64\nadd %r3, %r8\nldxb %r0, [%r3]\nmov %r0, 0\nexit");
        INFO(write << ": " << headline(r));
        REQUIRE(r.ok());
        CHECK(r.stats.states_pruned >= 1);
    }
}

} // namespace ebpfjit::verifier::test
