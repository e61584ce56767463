// The kernel's narrow spill of a scalar (check_stack_write_fixed_off / save_register_state
// with size < 8, check_stack_read_fixed_off): a 1/2/4-byte store of a scalar at the start
// of an 8-byte slot keeps the value, a fill of at most that size at that offset gets it
// back (truncated to the fill's size), any other fill reads plain data, and any write to
// the slot forgets it. Each program below reads the stack out of bounds ("bad") unless
// the verifier knows the filled value, so an accepted program proves the value was kept
// and a rejected one that it was not.
#include <catch2/catch.hpp>

#include <string>

#include "corpus.hpp"
#include "isa/assembler.hpp"
#include "program_builder.hpp"
#include "verifier/abstract_state.hpp"
#include "verifier/pruning.hpp"
#include "verifier/state_join.hpp"
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
    // A helper writing the slot (bpf_strtol's result).
    CHECK_FALSE(knows("mov %r1, 8\nstxw [%r10-16], %r1\nstdw [%r10-32], 0\nmov %r1, %r10\nadd %r1, -32\n"
                      "mov %r2, 8\nmov %r3, 0\nmov %r4, %r10\nadd %r4, -16\ncall 105\nldxw %r2, [%r10-16]"));
    // An atomic add: the slot holds 8 + r1 now, not 8.
    CHECK_FALSE(knows("mov %r1, 8\nstxw [%r10-16], %r1\nmov %r1, 1\nlock add32 [%r10-16], %r1\nldxw %r2, [%r10-16]"));
    // A later narrow spill replaces it.
    CHECK(knows("mov %r1, 5\nstxw [%r10-16], %r1\nmov %r1, 8\nstxw [%r10-16], %r1\nldxw %r2, [%r10-16]"));
    CHECK_FALSE(knows("mov %r1, 8\nstxw [%r10-16], %r1\nmov %r1, 8\nstxh [%r10-16], %r1\nldxw %r2, [%r10-16]"));
}

TEST_CASE("narrow spill: a u32 fill of a 4-byte spill is linked to the slot", "[verifier][narrow_spill]") {
    // The low half of a u64 spilled with 4 bytes: a value of its own, with no id. Its fill
    // shares an id with the slot from then on (the kernel's check_stack_read_fixed_off:
    // assign_scalar_id_before_mov for size == 4 == spill_size), so what a branch learns
    // about the register, the slot knows too: a length spilled as u32 and reloaded every
    // round of a loop keeps the bounds earlier rounds taught it.
    const std::string fill_then_compare = "call 5\nstxw [%r10-16], %r0\nldxw %r2, [%r10-16]\njne %r2, 8, other\n"
                                          "ldxw %r2, [%r10-16]\nja done\nother:\nmov %r2, 8\ndone:";
    CHECK(knows(fill_then_compare));
    // A sign-extending fill is a new value: no link (0xffffffff is not -1 as a u32).
    CHECK_FALSE(knows("call 5\nstxw [%r10-16], %r0\nldxsw %r2, [%r10-16]\njne %r2, 8, other\n"
                      "ldxw %r2, [%r10-16]\nja done\nother:\nmov %r2, 8\ndone:"));
    // Nor a narrower fill of it.
    CHECK_FALSE(knows("call 5\nstxw [%r10-16], %r0\nldxh %r2, [%r10-16]\njne %r2, 8, other\n"
                      "ldxw %r2, [%r10-16]\nja done\nother:\nmov %r2, 8\ndone:"));
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
    // The spill after the join: precision goes from the fill through the narrow spill
    // to the register it stored, which the two paths set differently.
    auto spilled_after = [](int first, int second) {
        return "call 7\njeq %r0, 0, other\nmov %r1, " + std::to_string(first) + "\nja join\nother:\nmov %r1, " +
               std::to_string(second) +
               "\njoin:\nstxw [%r10-16], %r1\nmov %r1, 0\nldxw %r2, [%r10-16]\nmov %r3, %r10\nadd %r3, -64\n"
               "add %r3, %r2\nldxdw %r0, [%r3]\nmov %r0, 0\nexit";
    };
    for (auto [a, b] : {std::pair{8, 60}, std::pair{60, 8}}) {
        Report r = verify_mem(spilled_after(a, b));
        INFO(a << " then " << b << " (spilled after the join): "
               << (r.rejection ? r.rejection->headline : std::string("accepted")));
        REQUIRE_FALSE(r.ok());
        CHECK(r.rejection->reason == Reason::StackOutOfBounds);
    }
    Report ok_after = verify_mem(spilled_after(8, 16));
    INFO((ok_after.rejection ? ok_after.rejection->headline : std::string("accepted")));
    CHECK(ok_after.ok());
    // A value nothing reads precisely: the second path is pruned at `join`.
    Report free = verify_mem("call 7\njeq %r0, 0, other\nmov %r1, 8\nstxw [%r10-16], %r1\nja join\nother:\n"
                             "mov %r1, 16\nstxw [%r10-16], %r1\njoin:\nmov %r1, 0\nldxw %r2, [%r10-16]\n"
                             "mov %r0, 0\nexit");
    REQUIRE(free.ok());
    CHECK(free.stats.states_pruned >= 1);
}

} // namespace ebpfjit::verifier::test

namespace ebpfjit::verifier::test {

namespace {

// One frame whose slot fp-16 holds a narrow spill of `v` with `size` bytes (0: plain data).
AbstractState with_spill(uint32_t size, uint64_t v, bool precise = false) {
    AbstractState s;
    s.frames.resize(1);
    RegState r = RegState::scalar(Scalar::constant(v));
    r.precise = precise;
    if (size) s.frames[0].stack.spill_narrow(-16, size, r, ByteKind::Misc);
    else s.frames[0].stack.write_bytes(-16, 4, ByteKind::Misc);
    return s;
}

} // namespace

TEST_CASE("narrow spill: the loop pass joins two narrow spills of one size", "[verifier][narrow_spill]") {
    const isa::Program empty;
    const Thresholds t(empty);
    const LiveMasks live{};
    auto fresh = [] { return 1u; };
    auto j = join_states(with_spill(4, 4), with_spill(4, 8), live, false, t, fresh);
    REQUIRE(j);
    const StackSlot* slot = j->frames[0].stack.find_slot(-16);
    REQUIRE(slot);
    CHECK(slot->narrow == 4);
    CHECK(slot->spilled.var.contains(4));
    CHECK(slot->spilled.var.contains(8));
    CHECK(slot->spilled.var.umax <= 8);
    // Other sizes, or plain data on one side: plain data, no value.
    for (uint32_t other : {0u, 2u}) {
        auto k = join_states(with_spill(4, 4), with_spill(other, 4), live, false, t, fresh);
        REQUIRE(k);
        CHECK(k->frames[0].stack.find_slot(-16)->narrow == 0);
        CHECK(k->frames[0].stack.byte(-16) == ByteKind::Misc);
    }
}

TEST_CASE("narrow spill: subsumption compares the spilled values", "[verifier][narrow_spill]") {
    const LiveMasks live{};
    uint64_t work = 0;
    // A value some continuation relied on (precise) matches only a value it contains ...
    CHECK_FALSE(state_subsumes(with_spill(4, 4, true), with_spill(4, 8), false, live, work));
    CHECK(state_subsumes(with_spill(4, 4, true), with_spill(4, 4), false, live, work));
    CHECK_FALSE(state_subsumes(with_spill(4, 4, true), with_spill(2, 4), false, live, work));
    CHECK_FALSE(state_subsumes(with_spill(4, 4, true), with_spill(0, 0), false, live, work));
    // ... one nothing relied on matches any data, as the kernel's imprecise scalars.
    CHECK(state_subsumes(with_spill(4, 4), with_spill(4, 8), false, live, work));
    CHECK(state_subsumes(with_spill(4, 4), with_spill(0, 0), false, live, work));
    // Plain data in the old state: a new narrow spill is data too.
    CHECK(state_subsumes(with_spill(0, 0), with_spill(4, 8, true), false, live, work));
    // Exact comparison (infinite-loop detection): the same spill only.
    CHECK_FALSE(state_subsumes(with_spill(4, 4), with_spill(4, 8), true, live, work));
    CHECK_FALSE(state_subsumes(with_spill(4, 4), with_spill(0, 0), true, live, work));
    CHECK(state_subsumes(with_spill(4, 4), with_spill(4, 4), true, live, work));
    // The loop pass's head test: every bound counts.
    CHECK_FALSE(loop_state_subsumes(with_spill(4, 4), with_spill(4, 8), live, work));
}

} // namespace ebpfjit::verifier::test

namespace ebpfjit::verifier::test {

TEST_CASE("narrow spill: a constant array key spilled with 4 bytes makes the lookup non-NULL",
          "[verifier][narrow_spill]") {
    // The kernel's get_constant_map_key reads a spill of the key's size (here a register
    // stored with 4 bytes at fp-8): key 3 of 4 entries needs no NULL check, key 4 does.
    auto program = [](int32_t key) {
        Builder b;
        b.mov(r6, key).stx(Size::W, r10, -8, r6).mov(r2, r10).add(r2, -8).ld_map(r1, kArrayMap).call(1);
        b.ldx(Size::DW, r0, r0, 0).exit();
        return b.build();
    };
    Report ok = check(program(3), corpus_input(ProgramType::Xdp));
    INFO((ok.rejection ? ok.rejection->headline : std::string("accepted")));
    CHECK(ok.ok());
    CHECK_FALSE(check(program(4), corpus_input(ProgramType::Xdp)).ok());
}

} // namespace ebpfjit::verifier::test
