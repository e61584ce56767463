// The kernel's narrow spill of a scalar (check_stack_write_fixed_off / save_register_state
// with size < 8, check_stack_read_fixed_off): a 1/2/4-byte store of a scalar at the start
// of an 8-byte slot keeps the value, a fill of at most that size at that offset gets it
// back (truncated to the fill's size), any other fill reads plain data, and any write to
// the slot forgets it. Each program below reads the stack out of bounds ("bad") unless
// the verifier knows the filled value, so an accepted program proves the value was kept
// and a rejected one that it was not.
#include <catch2/catch.hpp>

#include <string>

#include "isa/assembler.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::verifier::test {

namespace {

Report verify_mem(const std::string& text) {
    auto program = isa::assemble(text);
    REQUIRE(program);
    VerifierInput in;
    in.type = ProgramType::Mem;
    in.helpers = &helpers::HelperTable::builtin();
    return check(*program, in);
}

// `body` leaves the filled value in r2; accepted only if the verifier knows r2 == want.
std::string expect_r2(const std::string& body, const std::string& want) {
    return body + "\njne %r2, " + want + ", bad\nmov %r0, 0\nexit\nbad:\nldxdw %r0, [%r10+0]\nexit";
}

bool knows(const std::string& body, const std::string& want = "8") {
    Report r = verify_mem(expect_r2(body, want));
    INFO(body << "\n-> " << (r.rejection ? r.rejection->headline : std::string("accepted")));
    if (!r.ok()) CHECK(r.rejection->reason == Reason::StackOutOfBounds); // the "bad" read, nothing else
    return r.ok();
}

} // namespace

TEST_CASE("narrow spill: a fill of the spilled size at the slot's start gets the value", "[verifier][narrow_spill]") {
    CHECK(knows("mov %r1, 8\nstxw [%r10-16], %r1\nldxw %r2, [%r10-16]"));
    CHECK(knows("mov %r1, 8\nstxh [%r10-16], %r1\nldxh %r2, [%r10-16]"));
    CHECK(knows("mov %r1, 8\nstxb [%r10-16], %r1\nldxb %r2, [%r10-16]"));
    CHECK(knows("stw [%r10-16], 8\nldxw %r2, [%r10-16]")); // BPF_ST of an immediate too
    CHECK(knows("mov %r1, 8\nstxw [%r10-512], %r1\nldxw %r2, [%r10-512]"));
    // The rest of the slot keeps what it held: zeros stay zeros ...
    CHECK(knows("stw [%r10-12], 0\nmov %r1, 8\nstxw [%r10-16], %r1\nldxw %r2, [%r10-12]", "0"));
    // ... but the rest of an 8-byte spill is plain data (kernel: mark_stack_slot_misc).
    CHECK_FALSE(knows("stdw [%r10-16], 0\nmov %r1, 8\nstxw [%r10-16], %r1\nldxw %r2, [%r10-12]", "0"));
    // A narrower fill at the same offset gets the low bytes (the kernel's coerce_reg_to_size).
    CHECK(knows("mov %r1, 8\nstxw [%r10-16], %r1\nldxh %r2, [%r10-16]"));
    CHECK(knows("mov %r1, 0x208\nstxw [%r10-16], %r1\nldxb %r2, [%r10-16]"));
    // So does a narrow fill of an 8-byte scalar spill.
    CHECK(knows("mov %r1, 8\nstxdw [%r10-16], %r1\nldxw %r2, [%r10-16]"));
    CHECK(knows("lddw %r1, 0x100000008\nstxdw [%r10-16], %r1\nldxw %r2, [%r10-16]"));
    // A sign-extending fill: the stored byte 0xff is -1.
    CHECK(knows("mov %r1, 0xff\nstxb [%r10-16], %r1\nldxsb %r2, [%r10-16]", "-1"));
}

TEST_CASE("narrow spill: a value wider than the store keeps only its low bytes", "[verifier][narrow_spill]") {
    // The kernel spills it anyway and truncates on fill: the memory holds 8.
    CHECK(knows("lddw %r1, 0x100000008\nstxw [%r10-16], %r1\nldxw %r2, [%r10-16]"));
    // ... and never the upper half: r2 >> 32 is 0, not 1.
    CHECK(knows("lddw %r1, 0x100000008\nstxw [%r10-16], %r1\nldxw %r2, [%r10-16]\nrsh %r2, 32", "0"));
    CHECK(knows("mov %r1, 0x108\nstxb [%r10-16], %r1\nldxb %r2, [%r10-16]"));
    // An unknown upper half, known low bits: a 32-bit fill still knows them.
    CHECK(knows("call 7\nlsh %r0, 32\nor %r0, 8\nstxw [%r10-16], %r0\nldxw %r2, [%r10-16]"));
    // A negative value stored with 4 bytes reads back as its 32-bit pattern.
    CHECK(knows("mov %r1, -1\nstxw [%r10-16], %r1\nldxw %r2, [%r10-16]\nrsh %r2, 32", "0"));
    CHECK_FALSE(knows("mov %r1, -1\nstxw [%r10-16], %r1\nldxw %r2, [%r10-16]", "-1"));
}

TEST_CASE("narrow spill: other fills read plain data", "[verifier][narrow_spill]") {
    // Another offset in the slot, a wider fill, or a spill not at the slot's start.
    CHECK_FALSE(knows("mov %r1, 8\nstxw [%r10-16], %r1\nldxh %r2, [%r10-14]", "0"));
    CHECK_FALSE(knows("mov %r1, 8\nstxh [%r10-16], %r1\nldxw %r2, [%r10-16]"));
    CHECK_FALSE(knows("mov %r1, 8\nstxw [%r10-16], %r1\nldxdw %r2, [%r10-16]"));
    CHECK_FALSE(knows("mov %r1, 8\nstxw [%r10-12], %r1\nldxw %r2, [%r10-12]"));
    CHECK_FALSE(knows("mov %r1, 8\nstxh [%r10-14], %r1\nldxh %r2, [%r10-14]"));
}

TEST_CASE("narrow spill: any write to the slot forgets it", "[verifier][narrow_spill]") {
    CHECK_FALSE(knows("mov %r1, 8\nstxw [%r10-16], %r1\nstb [%r10-15], 0\nldxw %r2, [%r10-16]"));
    CHECK_FALSE(knows("mov %r1, 8\nstxw [%r10-16], %r1\nstw [%r10-12], 0\nldxw %r2, [%r10-16]"));
    // A variable-offset write that may reach it.
    CHECK_FALSE(knows("mov %r1, 8\nstxw [%r10-16], %r1\ncall 7\nand %r0, 7\nmov %r3, %r10\nadd %r3, -16\n"
                      "add %r3, %r0\nstb [%r3], 1\nldxw %r2, [%r10-16]"));
    // A helper writing the slot (bpf_probe_read_kernel's destination).
    CHECK_FALSE(knows("mov %r1, 8\nstxw [%r10-16], %r1\nmov %r1, %r10\nadd %r1, -16\nmov %r2, 4\nmov %r3, 0\n"
                      "call 113\nldxw %r2, [%r10-16]"));
    // An atomic add: the slot holds 8 + r1 now, not 8.
    CHECK_FALSE(knows("mov %r1, 8\nstxw [%r10-16], %r1\nmov %r1, 1\nlock add32 [%r10-16], %r1\nldxw %r2, [%r10-16]"));
    // A later narrow spill replaces it.
    CHECK(knows("mov %r1, 5\nstxw [%r10-16], %r1\nmov %r1, 8\nstxw [%r10-16], %r1\nldxw %r2, [%r10-16]"));
    CHECK_FALSE(knows("mov %r1, 8\nstxw [%r10-16], %r1\nmov %r1, 8\nstxh [%r10-16], %r1\nldxw %r2, [%r10-16]"));
}

TEST_CASE("narrow spill: two paths with different spilled constants are not pruned together",
          "[verifier][narrow_spill]") {
    // Each branch spills its own constant and forgets the register; the join reads it as a
    // stack offset: 8 is safe (fp-56), 60 reads past fp0. The pruning check at `join`
    // must tell the two apart (the first path's fill made the spilled value precise),
    // whichever path comes first.
    auto program = [](int first, int second) {
        return "call 7\njeq %r0, 0, other\nmov %r1, " + std::to_string(first) +
               "\nstxw [%r10-16], %r1\nja join\nother:\nmov %r1, " + std::to_string(second) +
               "\nstxw [%r10-16], %r1\njoin:\nmov %r1, 0\nldxw %r2, [%r10-16]\nmov %r3, %r10\nadd %r3, -64\n"
               "add %r3, %r2\nldxdw %r0, [%r3]\nmov %r0, 0\nexit";
    };
    for (auto [a, b] : {std::pair{8, 60}, std::pair{60, 8}}) {
        Report r = verify_mem(program(a, b));
        INFO(a << " then " << b << ": " << (r.rejection ? r.rejection->headline : std::string("accepted")));
        REQUIRE_FALSE(r.ok());
        CHECK(r.rejection->reason == Reason::StackOutOfBounds);
    }
    Report ok = verify_mem(program(8, 16));
    INFO((ok.rejection ? ok.rejection->headline : std::string("accepted")));
    CHECK(ok.ok());
    // A value nothing reads precisely: the second path is pruned at `join`.
    Report free = verify_mem("call 7\njeq %r0, 0, other\nmov %r1, 8\nstxw [%r10-16], %r1\nja join\nother:\n"
                             "mov %r1, 16\nstxw [%r10-16], %r1\njoin:\nmov %r1, 0\nldxw %r2, [%r10-16]\n"
                             "mov %r0, 0\nexit");
    REQUIRE(free.ok());
    CHECK(free.stats.states_pruned >= 1);
}

} // namespace ebpfjit::verifier::test
