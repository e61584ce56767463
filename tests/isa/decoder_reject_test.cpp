// Each decoder rejection rule, and that the error names the offending slot.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <span>

#include "isa/decoder.hpp"
#include "raw_builders.hpp"

using namespace ebpfjit::isa;
using namespace ebpfjit::isa::test;

namespace {

// Two good instructions, then `bad` at slot 2, then exit.
std::vector<RawInsn> with_bad_at_2(const RawInsn& bad) {
    return {mov64_imm(0, 0), mov64_imm(1, 1), bad, exit_insn()};
}

void require_rejected_at(const std::vector<RawInsn>& prog, uint32_t slot, std::string_view words) {
    auto d = decode(prog);
    REQUIRE_FALSE(d.has_value());
    INFO(d.error().to_string());
    CHECK(d.error().insn == slot);
    CHECK(d.error().message.find(words) != std::string::npos);
}

struct Case {
    const char* what;
    RawInsn insn;
    const char* words;
};

// Each case's instruction, placed at slot 2, is rejected there with its words.
void require_each_rejected_at_2(std::span<const Case> cases) {
    for (const auto& c : cases) {
        INFO(c.what);
        require_rejected_at(with_bad_at_2(c.insn), 2, c.words);
    }
}

// An LDDW pair (both halves, maybe patched) in the place of with_bad_at_2's instruction.
std::vector<RawInsn> with_lddw_at_2(const std::vector<RawInsn>& ld) {
    auto prog = with_bad_at_2(exit_insn());
    prog.insert(prog.begin() + 2, ld.begin(), ld.end());
    return prog;
}

} // namespace

TEST_CASE("empty and truncated input") {
    require_rejected_at({}, 0, "empty program");
    auto d = decode_bytes(std::vector<uint8_t>{});
    REQUIRE_FALSE(d);
    CHECK(d.error().insn == 0u);
    std::vector<uint8_t> bytes(8 * 2 + 5, 0);
    bytes[0] = BPF_JMP | BPF_EXIT;
    bytes[8] = BPF_JMP | BPF_EXIT;
    d = decode_bytes(bytes);
    REQUIRE_FALSE(d);
    CHECK(d.error().insn == 2u);
    CHECK(d.error().offset == 16u);
    CHECK(d.error().message.find("truncated") != std::string::npos);
}

TEST_CASE("unknown opcodes") {
    const Case cases[] = {
        {"0xff", raw(0xff), "unknown opcode 0xff"},
        {"opcode 0 outside an LDDW", raw(0x00), "unknown opcode 0x00"},
        {"LDX MEMSX DW", raw(BPF_LDX | BPF_MEMSX | BPF_DW, 1, 2), "unknown opcode 0x99"},
        {"ALU64 END TO_BE", raw(BPF_ALU64 | BPF_END | BPF_TO_BE, 1, 0, 0, 16), "unknown opcode 0xdf"},
        {"ALU op 0xe0", raw(BPF_ALU64 | 0xe0 | BPF_K, 1), "unknown opcode 0xe7"},
        {"JMP32 exit", raw(BPF_JMP32 | BPF_EXIT), "unknown opcode 0x96"},
        {"JMP32 call", raw(BPF_JMP32 | BPF_CALL, 0, 0, 0, 1), "unknown opcode 0x86"},
        {"LD ABS DW", raw(BPF_LD | BPF_ABS | BPF_DW), "unknown opcode 0x38"},
        {"LD MEM", raw(BPF_LD | BPF_MEM | BPF_W, 1, 2), "unknown opcode 0x60"},
        {"NEG with X", raw(BPF_ALU64 | BPF_NEG | BPF_X, 1), "unknown opcode 0x8f"},
        {"ST atomic", raw(BPF_ST | BPF_ATOMIC | BPF_DW, 1, 2), "unknown opcode 0xda"},
        {"atomic byte", raw(BPF_STX | BPF_ATOMIC | BPF_B, 1, 2), "unknown opcode 0xd3"},
        {"exit with X", raw(BPF_JMP | BPF_EXIT | BPF_X), "unknown opcode 0x9d"},
        {"ja with X", raw(BPF_JMP | BPF_JA | BPF_X), "unknown opcode 0x0d"},
    };
    require_each_rejected_at_2(cases);
}

TEST_CASE("non-zero reserved fields") {
    const Case cases[] = {
        {"ALU K with src", raw(BPF_ALU64 | BPF_ADD | BPF_K, 1, 2, 0, 1), "reserved field src"},
        {"ALU X with imm", raw(BPF_ALU | BPF_ADD | BPF_X, 1, 2, 0, 1), "reserved field imm"},
        {"ALU add with off", raw(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 1, 1), "reserved field off"},
        {"mov imm with off", raw(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 8, 1), "reserved field off"},
        {"neg with imm", raw(BPF_ALU64 | BPF_NEG, 1, 0, 0, 1), "reserved field imm"},
        {"neg with src", raw(BPF_ALU | BPF_NEG, 1, 3), "reserved field src"},
        {"le with src", raw(BPF_ALU | BPF_END | BPF_TO_LE, 1, 1, 0, 16), "reserved field src"},
        {"bswap with off", raw(BPF_ALU64 | BPF_END, 1, 0, 1, 32), "reserved field off"},
        {"LDX with imm", raw(BPF_LDX | BPF_MEM | BPF_W, 1, 2, 0, 1), "reserved field imm"},
        {"LDSX with imm", raw(BPF_LDX | BPF_MEMSX | BPF_B, 1, 2, 0, 1), "reserved field imm"},
        {"ST with src", raw(BPF_ST | BPF_MEM | BPF_W, 1, 2, 0, 1), "reserved field src"},
        {"STX with imm", raw(BPF_STX | BPF_MEM | BPF_DW, 1, 2, 0, 1), "reserved field imm"},
        {"ja with imm", raw(BPF_JMP | BPF_JA, 0, 0, 0, 1), "reserved field imm"},
        {"ja with dst", raw(BPF_JMP | BPF_JA, 1, 0, 0, 0), "reserved field dst"},
        {"ja32 with off", raw(BPF_JMP32 | BPF_JA, 0, 0, 1, 0), "reserved field off"},
        {"jeq K with src", raw(BPF_JMP | BPF_JEQ | BPF_K, 1, 2, 0, 0), "reserved field src"},
        {"jeq X with imm", raw(BPF_JMP32 | BPF_JEQ | BPF_X, 1, 2, 0, 5), "reserved field imm"},
        {"call with dst", raw(BPF_JMP | BPF_CALL, 1, 0, 0, 5), "reserved field dst"},
        {"call with off", raw(BPF_JMP | BPF_CALL, 0, 0, 1, 5), "reserved field off"},
        {"callx with imm", raw(BPF_JMP | BPF_CALL | BPF_X, 2, 0, 0, 1), "reserved field imm"},
        {"callx with src", raw(BPF_JMP | BPF_CALL | BPF_X, 2, 1, 0, 0), "reserved field src"},
        {"exit with dst", raw(BPF_JMP | BPF_EXIT, 1), "reserved field dst"},
        {"exit with imm", raw(BPF_JMP | BPF_EXIT, 0, 0, 0, 1), "reserved field imm"},
        {"LD_ABS with dst", raw(BPF_LD | BPF_ABS | BPF_W, 1, 0, 0, 4), "reserved field dst"},
        {"LD_ABS with src", raw(BPF_LD | BPF_ABS | BPF_H, 0, 1, 0, 4), "reserved field src"},
        {"LD_IND with off", raw(BPF_LD | BPF_IND | BPF_B, 0, 1, 2, 4), "reserved field off"},
    };
    require_each_rejected_at_2(cases);
    // LDDW's first half reserves off.
    auto ld = lddw(1, 0, 1, 2);
    ld[0].off = 1;
    require_rejected_at(with_lddw_at_2(ld), 2, "reserved field off");
}

TEST_CASE("selector fields with values no form uses") {
    const Case cases[] = {
        {"div off 2", raw(BPF_ALU64 | BPF_DIV | BPF_X, 1, 2, 2), "invalid off value 2"},
        {"mod off -1", raw(BPF_ALU | BPF_MOD | BPF_K, 1, 0, -1, 3), "invalid off value -1"},
        {"movsx off 7", raw(BPF_ALU64 | BPF_MOV | BPF_X, 1, 2, 7), "invalid off value 7"},
        {"movsx32 in ALU32", raw(BPF_ALU | BPF_MOV | BPF_X, 1, 2, 32), "invalid off value 32"},
        {"le8", raw(BPF_ALU | BPF_END | BPF_TO_LE, 1, 0, 0, 8), "invalid imm value 8"},
        {"atomic sub", raw(BPF_STX | BPF_ATOMIC | BPF_DW, 1, 2, 0, 0x10), "invalid imm value 16"},
        {"xchg without fetch", raw(BPF_STX | BPF_ATOMIC | BPF_W, 1, 2, 0, 0xe0), "invalid imm value 224"},
        {"call src 3", raw(BPF_JMP | BPF_CALL, 0, 3, 0, 1), "invalid src value 3"},
    };
    require_each_rejected_at_2(cases);
    require_rejected_at(with_lddw_at_2(lddw(1, 7, 1, 0)), 2, "invalid src value 7");
}

TEST_CASE("registers above r10") {
    const Case cases[] = {
        {"ALU dst", raw(BPF_ALU64 | BPF_MOV | BPF_K, 11), "invalid register r11"},
        {"ALU src", raw(BPF_ALU64 | BPF_ADD | BPF_X, 1, 12), "invalid register r12"},
        {"load base", raw(BPF_LDX | BPF_MEM | BPF_B, 1, 15), "invalid register r15"},
        {"store base", raw(BPF_ST | BPF_MEM | BPF_B, 11), "invalid register r11"},
        {"store src", raw(BPF_STX | BPF_MEM | BPF_B, 1, 11), "invalid register r11"},
        {"atomic src", raw(BPF_STX | BPF_ATOMIC | BPF_DW, 1, 11), "invalid register r11"},
        {"jump dst", raw(BPF_JMP | BPF_JEQ | BPF_K, 11), "invalid register r11"},
        {"jump src", raw(BPF_JMP32 | BPF_JGT | BPF_X, 1, 11), "invalid register r11"},
        {"callx", raw(BPF_JMP | BPF_CALL | BPF_X, 11), "invalid register r11"},
        {"LD_IND src", raw(BPF_LD | BPF_IND | BPF_W, 0, 11), "invalid register r11"},
        {"endian dst", raw(BPF_ALU | BPF_END | BPF_TO_BE, 13, 0, 0, 16), "invalid register r13"},
    };
    require_each_rejected_at_2(cases);
    require_rejected_at(with_lddw_at_2(lddw(11, 0, 1, 0)), 2, "invalid register r11");
}

TEST_CASE("writes to r10") {
    const Case cases[] = {
        {"ALU64 dst", raw(BPF_ALU64 | BPF_ADD | BPF_K, 10, 0, 0, 8), "r10 is read-only"},
        {"ALU32 dst", raw(BPF_ALU | BPF_MOV | BPF_X, 10, 1), "r10 is read-only"},
        {"neg", raw(BPF_ALU64 | BPF_NEG, 10), "r10 is read-only"},
        {"endian", raw(BPF_ALU64 | BPF_END, 10, 0, 0, 64), "r10 is read-only"},
        {"load dst", raw(BPF_LDX | BPF_MEM | BPF_DW, 10, 1), "r10 is read-only"},
        {"ldsx dst", raw(BPF_LDX | BPF_MEMSX | BPF_H, 10, 1), "r10 is read-only"},
        {"fetch-add src", raw(BPF_STX | BPF_ATOMIC | BPF_DW, 1, 10, 0, BPF_ADD | BPF_FETCH), "r10 is read-only"},
        {"xchg src", raw(BPF_STX | BPF_ATOMIC | BPF_W, 1, 10, 0, BPF_XCHG), "r10 is read-only"},
    };
    require_each_rejected_at_2(cases);
    require_rejected_at(with_lddw_at_2(lddw(10, 0, 1, 0)), 2, "r10 is read-only");
}

TEST_CASE("r10 may be read") {
    const RawInsn ok[] = {
        raw(BPF_STX | BPF_MEM | BPF_DW, 10, 1, -8),                        // store through r10
        raw(BPF_ALU64 | BPF_MOV | BPF_X, 1, 10),                           // copy r10
        raw(BPF_STX | BPF_ATOMIC | BPF_DW, 1, 10, 0, BPF_ADD),             // non-fetch atomic reads src
        raw(BPF_STX | BPF_ATOMIC | BPF_DW, 1, 10, 0, BPF_CMPXCHG),         // cmpxchg writes r0, not src
        raw(BPF_JMP | BPF_JEQ | BPF_X, 10, 1, 0),                          // compare r10
        raw(BPF_LDX | BPF_MEM | BPF_W, 1, 10, -4),                         // load from the stack
    };
    for (const auto& insn : ok) {
        INFO(fmt::format("opcode {:#04x}", insn.opcode));
        CHECK(decode(with_bad_at_2(insn)).has_value());
    }
}

TEST_CASE("LDDW halves") {
    SECTION("missing second half") {
        std::vector<RawInsn> prog{mov64_imm(0, 0), exit_insn(), raw(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 1)};
        require_rejected_at(prog, 2, "missing its second half");
    }
    auto prog_with_second = [](RawInsn second) {
        std::vector<RawInsn> prog{mov64_imm(0, 0), raw(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 1), second, exit_insn()};
        return prog;
    };
    SECTION("second half with an opcode") {
        require_rejected_at(prog_with_second(exit_insn()), 2, "second half of LDDW");
    }
    SECTION("second half with dst, src or off") {
        require_rejected_at(prog_with_second(raw(0, 1)), 2, "second half of LDDW");
        require_rejected_at(prog_with_second(raw(0, 0, 1)), 2, "second half of LDDW");
        require_rejected_at(prog_with_second(raw(0, 0, 0, 1)), 2, "second half of LDDW");
    }
    SECTION("map fd LDDW with a non-zero second imm") {
        std::vector<RawInsn> prog{mov64_imm(0, 0)};
        auto ld = lddw(1, BPF_PSEUDO_MAP_FD, 3, 4);
        prog.insert(prog.end(), ld.begin(), ld.end());
        prog.push_back(exit_insn());
        require_rejected_at(prog, 2, "imm 0");
    }
}

TEST_CASE("jump and call targets") {
    // slot: 0 mov, 1-2 lddw, 3 <probe>, 4 exit
    auto probe = [](RawInsn insn) {
        std::vector<RawInsn> prog{mov64_imm(0, 0)};
        auto ld = lddw(1, 0, 1, 2);
        prog.insert(prog.end(), ld.begin(), ld.end());
        prog.push_back(insn);
        prog.push_back(exit_insn());
        return prog;
    };
    require_rejected_at(probe(raw(BPF_JMP | BPF_JA, 0, 0, 1)), 3, "outside the program");
    require_rejected_at(probe(raw(BPF_JMP | BPF_JA, 0, 0, -5)), 3, "outside the program");
    require_rejected_at(probe(raw(BPF_JMP32 | BPF_JA, 0, 0, 0, 100)), 3, "outside the program");
    require_rejected_at(probe(raw(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, -2)), 3, "second half of an LDDW");
    require_rejected_at(probe(raw(BPF_JMP32 | BPF_JA, 0, 0, 0, -2)), 3, "second half of an LDDW");
    require_rejected_at(probe(raw(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 2)), 3, "outside the program");
    require_rejected_at(probe(raw(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, -2)), 3, "second half of an LDDW");
    // A helper call's imm is an id, not a target.
    CHECK(decode(probe(raw(BPF_JMP | BPF_CALL, 0, 0, 0, 1000))).has_value());
    // Every in-range, non-filler target is fine, including a jump to itself.
    CHECK(decode(probe(raw(BPF_JMP | BPF_JA, 0, 0, -1))).has_value());
    CHECK(decode(probe(raw(BPF_JMP | BPF_JA, 0, 0, -4))).has_value());
    // A callback address (LDDW src 4) must name a real instruction too.
    std::vector<RawInsn> cb{mov64_imm(0, 0)};
    auto ld = lddw(2, BPF_PSEUDO_FUNC, 5, 0);
    cb.insert(cb.end(), ld.begin(), ld.end());
    cb.push_back(exit_insn());
    require_rejected_at(cb, 1, "outside the program");
}

TEST_CASE("subprogram starts are 0 and every local call or callback target") {
    // 0: call +4 (-> 5)   1: call +1 (-> 3)   2: exit
    // 3-4: lddw r2 = func +2 (-> 6)   5: exit   6: exit
    std::vector<RawInsn> prog{
        raw(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 4),
        raw(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 1),
        exit_insn(),
    };
    auto ld = lddw(2, BPF_PSEUDO_FUNC, 2, 0);
    prog.insert(prog.end(), ld.begin(), ld.end());
    prog.push_back(exit_insn());
    prog.push_back(exit_insn());
    auto d = decode(prog);
    REQUIRE(d.has_value());
    CHECK(d->subprogram_starts == std::vector<int32_t>{0, 3, 5, 6});
    const auto& call = std::get<Call>(d->insns[0]);
    CHECK(call.kind == CallKind::Local);
    CHECK(call.target == 5);
    CHECK(std::holds_alternative<LddwSecondSlot>(d->insns[4]));

    auto single = decode(std::vector<RawInsn>{exit_insn()});
    REQUIRE(single);
    CHECK(single->subprogram_starts == std::vector<int32_t>{0});
}

// Found by fuzz_decode (tests/fuzz/regressions/decode/jump_target_overflow.bin): pc + 1 +
// INT32_MAX overflowed int. Far targets are rejected at their slot, without overflow.
TEST_CASE("call and jump targets far outside the program, at the int32 limits") {
    for (int32_t imm : {INT32_MAX, INT32_MIN}) {
        CAPTURE(imm);
        require_rejected_at({mov64_imm(0, 0), raw(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, imm), exit_insn()}, 1, "outside the program");
        require_rejected_at({mov64_imm(0, 0), raw(BPF_JMP32 | BPF_JA, 0, 0, 0, imm), exit_insn()}, 1, "outside the program");
    }
}
