// Byte-copy and byte-fill loops (jit/idioms.hpp): the lowering turns exactly the proven
// single-block loops into block operations, and the JIT then computes what the
// interpreter computes (the oracle): the same bytes, overlapping or not, the same final
// registers, the same budget faults. Both engines run on one buffer (reset in between),
// so that programs may return pointers and still compare.
#include <catch2/catch.hpp>

#include "tests/jit/idiom_oracle.hpp"
#include "tests/jit/program_builder.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

Instruction st(Size s, uint8_t base, int16_t off, int32_t imm) { return Store{s, Reg{base}, off, Imm{imm}}; }

void require_agreement(const Program& p, const verifier::Facts& facts, const std::vector<uint8_t>& input,
                       uint64_t budget = 0) {
    require_idiom_agreement(p, facts, input, &jit::Optimisations::block_idioms, budget);
}

// clang's form of `for (i = 0; i < n; ++i) mem[dst + i] = mem[src + i]` (bench/programs/
// memcpy.c), constants in the code; returns register `ret` after the loop.
Program copy_loop(uint32_t n, uint32_t src, uint32_t dst, uint8_t ret, uint32_t need) {
    const auto N = static_cast<int32_t>(n);
    return make_program({
        mov64(0, 0),                                              // 0
        mov64(3, static_cast<int32_t>(need)),                     // 1
        jccr(Cond::Gt, 3, 2, 14),                                 // 2: too short: r0 = 0
        mov64(2, 0),                                              // 3
        mov64r(3, 1),                                             // 4: head
        alu64r(AluOp::Add, 3, 2),                                 // 5
        alu64(AluOp::Add, 3, static_cast<int32_t>(src)),          // 6
        ldx(Size::B, 4, 3, 0),                                    // 7
        alu64(AluOp::Add, 3, static_cast<int32_t>(dst) - static_cast<int32_t>(src)), // 8
        stx(Size::B, 3, 0, 4),                                    // 9
        alu64(AluOp::Add, 2, 1),                                  // 10
        jcc(Cond::Eq, 2, N, 13),                                  // 11
        jmp(4),                                                   // 12: back edge
        mov64r(0, ret),                                           // 13
        exit_insn(),                                              // 14
    });
}

} // namespace

TEST_CASE("byte-copy loops: overlapping and not, every length, the interpreter as oracle", "[jit][idiom]") {
    const std::vector<uint32_t> lengths = {1, 2, 3, 15, 16, 17, 31, 32, 33, 100, 4096, 65537};
    // dst - src: same place, close overlap both ways, one stride apart, adjacent, far.
    const std::vector<int32_t> distances = {0, 1, 3, 15, 16, 17, 31, -1, -7, -16, -17, 1 << 16, -(1 << 16)};
    for (uint32_t n : lengths) {
        for (int32_t distance : distances) {
            const uint32_t src = 64 + static_cast<uint32_t>(distance < 0 ? -distance : 0);
            const uint32_t dst = static_cast<uint32_t>(static_cast<int32_t>(src) + distance);
            const uint32_t need = std::max(src, dst) + n;
            for (uint8_t ret : {uint8_t{2}, uint8_t{3}, uint8_t{4}}) {
                DYNAMIC_SECTION("n " << n << " dst - src " << distance << " returns r" << int{ret}) {
                    const Program p = copy_loop(n, src, dst, ret, need);
                    const verifier::Facts facts = verify_full(p);
                    // n = 1: the walk proves the back edge unreachable, so there is no loop.
                    CHECK(block_ops(p, facts) == (n > 1 ? 1u : 0u));
                    require_agreement(p, facts, pattern(need + 64));
                }
            }
        }
    }
}

TEST_CASE("byte-copy loop of 1 MiB, forward overlap and apart", "[jit][idiom]") {
    const uint32_t n = 1u << 20;
    for (uint32_t distance : {5u, n}) {
        DYNAMIC_SECTION("dst - src " << distance) {
            const Program p = copy_loop(n, 0, distance, 3, distance + n);
            const verifier::Facts facts = verify_full(p);
            CHECK(block_ops(p, facts) == 1);
            require_agreement(p, facts, pattern(distance + n));
        }
    }
}

TEST_CASE("a buffer too short for the loop: the guard skips it on both engines", "[jit][idiom]") {
    const Program p = copy_loop(100, 0, 100, 2, 200);
    const verifier::Facts facts = verify_full(p);
    CHECK(block_ops(p, facts) == 1);
    require_agreement(p, facts, pattern(199));
    require_agreement(p, facts, pattern(0));
}

namespace {

// `for (i = 0; i < n; ++i) mem[8 + dst + i] = mem[8 + i]`, n = the u16 at mem[0], at most
// 4096 (the buffer is checked for that much, so that interval bounds prove the accesses);
// the loop is skipped when n is 0 (zero trips); the bound is in a register. Returns
// register `ret`.
constexpr uint32_t kMaxVariable = 4096;
Program copy_loop_variable(uint32_t dst, uint8_t ret) {
    return make_program({
        mov64(0, 0),                                  // 0
        mov64(3, static_cast<int32_t>(8 + dst + kMaxVariable)), // 1
        jccr(Cond::Gt, 3, 2, 20),                     // 2: too short
        ldx(Size::H, 5, 1, 0),                        // 3: n
        mov64(0, 3),                                  // 4
        jcc(Cond::Gt, 5, static_cast<int32_t>(kMaxVariable), 20), // 5: n too large: r0 = 3
        mov64(0, 1),                                  // 6
        mov64r(6, 5),                                 // 7
        jcc(Cond::Eq, 5, 0, 19),                      // 8: n == 0: no trip
        mov64(2, 0),                                  // 9
        mov64r(3, 1),                                 // 10: head
        alu64r(AluOp::Add, 3, 2),                     // 11
        ldx(Size::B, 4, 3, 8),                        // 12
        alu64(AluOp::Add, 3, static_cast<int32_t>(dst)), // 13
        stx(Size::B, 3, 8, 4),                        // 14
        alu64(AluOp::Add, 2, 1),                      // 15
        jccr(Cond::Lt, 2, 5, 10),                     // 16: back edge, bound in r5
        mov64r(0, ret),                               // 17
        jmp(20),                                      // 18
        mov64(0, 2),                                  // 19: zero trips
        exit_insn(),                                  // 20
    });
}

} // namespace

TEST_CASE("byte-copy loop with a register bound, zero trips included", "[jit][idiom]") {
    for (uint32_t n : {0u, 1u, 2u, 17u, 1000u, kMaxVariable, kMaxVariable + 1}) {
        for (uint32_t dst : {1u, 16u, 70000u}) {
            for (uint8_t ret : {uint8_t{2}, uint8_t{3}, uint8_t{4}}) {
                DYNAMIC_SECTION("n " << n << " dst " << dst << " returns r" << int{ret}) {
                    const Program p = copy_loop_variable(dst, ret);
                    const verifier::Facts facts = verify_full(p);
                    CHECK(block_ops(p, facts) == 1);
                    auto input = pattern(8 + dst + kMaxVariable + 3);
                    input[0] = static_cast<uint8_t>(n);
                    input[1] = static_cast<uint8_t>(n >> 8);
                    require_agreement(p, facts, input);
                }
            }
        }
    }
}

namespace {

// `for (i = 0; i < n; ++i) mem[i] = value`, clang's memset form; the value from a register
// set before the loop, or (store_imm) an immediate store.
Program fill_loop(uint32_t n, bool store_imm, uint8_t ret) {
    return make_program({
        mov64(0, 0),                                      // 0
        mov64(3, static_cast<int32_t>(n)),                // 1
        jccr(Cond::Gt, 3, 2, 11),                         // 2: too short
        mov64(2, 0),                                      // 3
        mov64(5, 0x12345a7),                              // 4: the low byte is stored
        mov64r(4, 1),                                     // 5: head
        alu64r(AluOp::Add, 4, 2),                         // 6
        store_imm ? st(Size::B, 4, 0, -3) : stx(Size::B, 4, 0, 5), // 7
        alu64(AluOp::Add, 2, 1),                          // 8
        jccr(Cond::Gt, 3, 2, 5),                          // 9: back edge while n > i
        mov64r(0, ret),                                   // 10
        exit_insn(),                                      // 11
    });
}

} // namespace

TEST_CASE("byte-fill loops: register and immediate values", "[jit][idiom]") {
    for (uint32_t n : {1u, 2u, 15u, 16u, 17u, 33u, 4096u, 1u << 20}) {
        for (bool store_imm : {false, true}) {
            for (uint8_t ret : {uint8_t{2}, uint8_t{4}}) {
                DYNAMIC_SECTION("n " << n << (store_imm ? " imm" : " reg") << " returns r" << int{ret}) {
                    const Program p = fill_loop(n, store_imm, ret);
                    const verifier::Facts facts = verify_full(p);
                    CHECK(block_ops(p, facts) == 1);
                    require_agreement(p, facts, pattern(n + 5));
                }
            }
        }
    }
}

TEST_CASE("loops that look alike but are not the idiom are left alone and stay exact", "[jit][idiom]") {
    const uint32_t n = 4096;
    SECTION("stride 2") {
        Program p = copy_loop(n, 0, n, 3, 2 * n);
        p.insns[10] = alu64(AluOp::Add, 2, 2);
        const verifier::Facts facts = verify_full(p);
        CHECK(block_ops(p, facts) == 0);
        require_agreement(p, facts, pattern(2 * n));
    }
    SECTION("an extra store to the stack in the body") {
        Program p = copy_loop(n, 0, n, 3, 2 * n);
        p.insns[5] = stx(Size::DW, 10, -8, 2); // replaces r3 += r2: address rebuilt below
        p.insns[6] = alu64r(AluOp::Add, 3, 2);
        p.insns[8] = alu64(AluOp::Add, 3, static_cast<int32_t>(n));
        const verifier::Facts facts = verify_full(p);
        CHECK(block_ops(p, facts) == 0);
        require_agreement(p, facts, pattern(2 * n));
    }
    SECTION("the loaded byte changed before the store") {
        Program p = copy_loop(n, 0, n, 3, 2 * n);
        p.insns[8] = alu64(AluOp::Add, 4, 1); // r4 += 1 instead of moving the address
        p.insns[9] = stx(Size::B, 3, static_cast<int16_t>(0), 4);
        const verifier::Facts facts = verify_full(p);
        CHECK(block_ops(p, facts) == 0);
        require_agreement(p, facts, pattern(2 * n));
    }
    SECTION("a 32-bit counter") {
        Program p = copy_loop(n, 0, n, 3, 2 * n);
        p.insns[10] = alu32(AluOp::Add, 2, 1);
        const verifier::Facts facts = verify_full(p);
        CHECK(block_ops(p, facts) == 0);
        require_agreement(p, facts, pattern(2 * n));
    }
    SECTION("no proof (empty facts): checked code, no rewrite") {
        const Program p = copy_loop(n, 0, n, 3, 2 * n);
        CHECK(block_ops(p, verifier::Facts{}) == 0);
    }
}

TEST_CASE("with an instruction budget the block op charges what the loop would, or runs the loop",
          "[jit][idiom]") {
    const uint32_t n = 1000;
    const Program p = copy_loop(n, 0, 500, 3, n + 500); // overlapping: a partial copy shows
    const verifier::Facts facts = verify_full(p);
    CHECK(block_ops(p, facts, 1) == 1);
    // The back edge (slot 11 once inverted into `if r2 != n goto 4`) charges the loop's
    // length, 8 slots, each time it runs: n times.
    const uint64_t loop_cost = uint64_t{n} * 8;
    for (uint64_t budget : {loop_cost + 100, loop_cost + 1, loop_cost, loop_cost - 1, loop_cost / 2, uint64_t{1}}) {
        DYNAMIC_SECTION("budget " << budget) { require_agreement(p, facts, pattern(n + 500), budget); }
    }
}
