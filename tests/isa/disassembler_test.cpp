#include <catch2/catch.hpp>

#include "helpers/helper_table.hpp"
#include "isa/decoder.hpp"
#include "isa/disassembler.hpp"
#include "raw_builders.hpp"

using namespace ebpfjit;
using namespace ebpfjit::isa;
using namespace ebpfjit::isa::test;

namespace {

// Text of the instruction at `slot` of a program made of `prog` followed by exits, so
// that jump targets up to slot 7 exist.
std::string text_of(std::vector<RawInsn> prog, uint32_t slot = 0) {
    prog.resize(8, exit_insn());
    auto d = decode(prog);
    REQUIRE(d.has_value());
    return disassemble(d->insns[slot], slot, helpers::helper_name);
}
std::string text_of(RawInsn insn) { return text_of(std::vector<RawInsn>{insn}); }

} // namespace

TEST_CASE("disassembler: ALU") {
    CHECK(text_of(raw(BPF_ALU64 | BPF_ADD | BPF_X, 1, 2)) == "r1 += r2");
    CHECK(text_of(raw(BPF_ALU | BPF_ADD | BPF_K, 1, 0, 0, 5)) == "w1 += 5");
    CHECK(text_of(raw(BPF_ALU64 | BPF_SUB | BPF_K, 3, 0, 0, -7)) == "r3 -= -7");
    CHECK(text_of(raw(BPF_ALU64 | BPF_DIV | BPF_X, 1, 2, 1)) == "r1 s/= r2");
    CHECK(text_of(raw(BPF_ALU | BPF_MOD | BPF_X, 1, 2, 1)) == "w1 s%= w2");
    CHECK(text_of(raw(BPF_ALU64 | BPF_DIV | BPF_K, 1, 0, 0, 3)) == "r1 /= 3");
    CHECK(text_of(raw(BPF_ALU64 | BPF_ARSH | BPF_K, 1, 0, 0, 3)) == "r1 s>>= 3");
    CHECK(text_of(raw(BPF_ALU64 | BPF_LSH | BPF_X, 1, 4)) == "r1 <<= r4");
    CHECK(text_of(raw(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1)) == "r0 = 1");
    CHECK(text_of(raw(BPF_ALU | BPF_MOV | BPF_X, 0, 1)) == "w0 = w1");
    CHECK(text_of(raw(BPF_ALU64 | BPF_MOV | BPF_X, 1, 2, 8)) == "r1 = (s8)r2");
    CHECK(text_of(raw(BPF_ALU64 | BPF_MOV | BPF_X, 1, 2, 32)) == "r1 = (s32)r2");
    CHECK(text_of(raw(BPF_ALU | BPF_MOV | BPF_X, 1, 2, 16)) == "w1 = (s16)w2");
    CHECK(text_of(raw(BPF_ALU64 | BPF_NEG, 4)) == "r4 = -r4");
    CHECK(text_of(raw(BPF_ALU | BPF_NEG, 4)) == "w4 = -w4");
}

TEST_CASE("disassembler: byte swaps") {
    CHECK(text_of(raw(BPF_ALU | BPF_END | BPF_TO_BE, 1, 0, 0, 16)) == "r1 = be16 r1");
    CHECK(text_of(raw(BPF_ALU | BPF_END | BPF_TO_LE, 1, 0, 0, 64)) == "r1 = le64 r1");
    CHECK(text_of(raw(BPF_ALU64 | BPF_END | BPF_TO_LE, 1, 0, 0, 32)) == "r1 = bswap32 r1");
}

TEST_CASE("disassembler: loads and stores") {
    CHECK(text_of(raw(BPF_LDX | BPF_MEM | BPF_W, 1, 2, 4)) == "r1 = *(u32 *)(r2 + 4)");
    CHECK(text_of(raw(BPF_LDX | BPF_MEMSX | BPF_B, 1, 2, -1)) == "r1 = *(s8 *)(r2 - 1)");
    CHECK(text_of(raw(BPF_STX | BPF_MEM | BPF_DW, 10, 1, -8)) == "*(u64 *)(r10 - 8) = r1");
    CHECK(text_of(raw(BPF_ST | BPF_MEM | BPF_H, 1, 0, 2, 0x1234)) == "*(u16 *)(r1 + 2) = 4660");
    CHECK(text_of(raw(BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, 14)) == "r0 = *(u8 *)skb[14]");
    CHECK(text_of(raw(BPF_LD | BPF_IND | BPF_W, 0, 3, 0, 2)) == "r0 = *(u32 *)skb[r3 + 2]");
}

TEST_CASE("disassembler: LDDW forms") {
    CHECK(text_of(lddw(1, 0, 0x55667788, 0x11223344)) == "r1 = 0x1122334455667788 ll");
    CHECK(text_of(lddw(1, BPF_PSEUDO_MAP_FD, 3, 0)) == "r1 = map_fd 3 ll");
    CHECK(text_of(lddw(2, BPF_PSEUDO_MAP_VALUE, 3, 8)) == "r2 = map_value 3 + 8 ll");
    CHECK(text_of(lddw(2, BPF_PSEUDO_MAP_IDX, 0, 0)) == "r2 = map_idx 0 ll");
    CHECK(text_of(lddw(2, BPF_PSEUDO_MAP_IDX_VALUE, 1, 16)) == "r2 = map_idx_value 1 + 16 ll");
    CHECK(text_of(lddw(2, BPF_PSEUDO_BTF_ID, 77, 0)) == "r2 = btf_var 77 ll");
    CHECK(text_of(lddw(2, BPF_PSEUDO_FUNC, 3, 0)) == "r2 = func pc+3 ll");
}

TEST_CASE("disassembler: atomics") {
    auto atomic = [](uint8_t size, int32_t imm) { return raw(BPF_STX | BPF_ATOMIC | size, 1, 2, 0, imm); };
    CHECK(text_of(atomic(BPF_DW, BPF_ADD)) == "lock *(u64 *)(r1 + 0) += r2");
    CHECK(text_of(atomic(BPF_W, BPF_OR)) == "lock *(u32 *)(r1 + 0) |= w2");
    CHECK(text_of(atomic(BPF_DW, BPF_ADD | BPF_FETCH)) == "r2 = atomic_fetch_add((u64 *)(r1 + 0), r2)");
    CHECK(text_of(atomic(BPF_W, BPF_XOR | BPF_FETCH)) == "w2 = atomic_fetch_xor((u32 *)(r1 + 0), w2)");
    CHECK(text_of(atomic(BPF_DW, BPF_XCHG)) == "r2 = xchg_64(r1 + 0, r2)");
    CHECK(text_of(atomic(BPF_W, BPF_XCHG)) == "w2 = xchg32_32(r1 + 0, w2)");
    CHECK(text_of(atomic(BPF_DW, BPF_CMPXCHG)) == "r0 = cmpxchg_64(r1 + 0, r0, r2)");
    CHECK(text_of(atomic(BPF_W, BPF_CMPXCHG)) == "w0 = cmpxchg32_32(r1 + 0, w0, w2)");
}

TEST_CASE("disassembler: jumps and calls") {
    CHECK(text_of(raw(BPF_JMP | BPF_JGT | BPF_X, 1, 2, 3)) == "if r1 > r2 goto +3");
    CHECK(text_of({mov64_imm(0, 0), mov64_imm(0, 0), raw(BPF_JMP32 | BPF_JSLT | BPF_K, 1, 0, -2, 5)}, 2) ==
          "if w1 s< 5 goto -2");
    CHECK(text_of(raw(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 0, 8)) == "if r1 & 8 goto +0");
    CHECK(text_of(raw(BPF_JMP | BPF_JNE | BPF_X, 1, 2, 1)) == "if r1 != r2 goto +1");
    CHECK(text_of(raw(BPF_JMP | BPF_JA, 0, 0, 1)) == "goto +1");
    CHECK(text_of(raw(BPF_JMP32 | BPF_JA, 0, 0, 0, 5)) == "gotol +5");
    CHECK(text_of(raw(BPF_JMP | BPF_CALL, 0, 0, 0, 1)) == "call bpf_map_lookup_elem#1");
    CHECK(text_of(raw(BPF_JMP | BPF_CALL, 0, 0, 0, 1234)) == "call #1234");
    CHECK(text_of(raw(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 3)) == "call pc+3");
    CHECK(text_of(raw(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, 99)) == "call kfunc#99");
    CHECK(text_of(raw(BPF_JMP | BPF_CALL | BPF_X, 2)) == "callx r2");
    CHECK(text_of(exit_insn()) == "exit");
}

TEST_CASE("disassembler: no namer prints the id only") {
    auto d = decode(std::vector<RawInsn>{raw(BPF_JMP | BPF_CALL, 0, 0, 0, 5), exit_insn()});
    REQUIRE(d);
    CHECK(disassemble(d->insns[0], 0) == "call #5");
}

TEST_CASE("disassembler: whole program, one line per instruction, LDDW filler skipped") {
    std::vector<RawInsn> raw_prog = lddw(1, 0, 7, 0);
    raw_prog.push_back(raw(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0, 7));
    raw_prog.push_back(exit_insn());
    auto d = decode(raw_prog);
    REQUIRE(d);
    CHECK(disassemble(*d) ==
          "    0: r1 = 0x7 ll\n"
          "    2: if r1 == 7 goto +0\n"
          "    3: exit\n");
    CHECK(disassemble(LddwSecondSlot{}, 1).empty());
}

TEST_CASE("helper names come from the kernel's list") {
    CHECK(helpers::helper_name(1) == "map_lookup_elem");
    CHECK(helpers::helper_name(5) == "ktime_get_ns");
    CHECK(helpers::helper_name(12) == "tail_call");
    CHECK(helpers::helper_name(0).empty());
    CHECK(helpers::helper_name(-1).empty());
    CHECK(helpers::helper_name(100000).empty());
}
