#include <catch2/catch.hpp>

#include "isa/cfg.hpp"
#include "isa/decoder.hpp"
#include "raw_builders.hpp"

using namespace ebpfjit::isa;
using namespace ebpfjit::isa::test;

namespace {

// Subprogram 0 (slots 0..5)              Subprogram 1 (slots 6..7)
//   0: r1 = 0x1 ll (0-1)                   6: r0 = 2
//   2: if r1 == 0 goto +2   (-> 5)         7: exit
//   3: call pc+2            (-> 6)
//   4: goto -3              (-> 2)
//   5: exit
Program sample() {
    std::vector<RawInsn> raw_prog = lddw(1, 0, 1, 0);
    raw_prog.push_back(raw(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 2, 0));
    raw_prog.push_back(raw(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 2));
    raw_prog.push_back(raw(BPF_JMP | BPF_JA, 0, 0, -3));
    raw_prog.push_back(exit_insn());
    raw_prog.push_back(mov64_imm(0, 2));
    raw_prog.push_back(exit_insn());
    auto d = decode(raw_prog);
    REQUIRE(d.has_value());
    return *d;
}

} // namespace

TEST_CASE("cfg: successors") {
    const Program p = sample();
    CHECK(successors(p, 0) == std::vector<int32_t>{2});
    CHECK(successors(p, 1).empty());
    CHECK(successors(p, 2) == std::vector<int32_t>{3, 5});
    CHECK(successors(p, 3) == std::vector<int32_t>{4});
    CHECK(successors(p, 4) == std::vector<int32_t>{2});
    CHECK(successors(p, 5).empty());
    CHECK(successors(p, 6) == std::vector<int32_t>{7});
}

TEST_CASE("cfg: subprograms") {
    const Program p = sample();
    REQUIRE(p.subprogram_starts == std::vector<int32_t>{0, 6});
    for (int32_t pc = 0; pc < 6; ++pc) CHECK(subprogram_of(p, pc) == 0);
    CHECK(subprogram_of(p, 6) == 1);
    CHECK(subprogram_of(p, 7) == 1);
    CHECK(subprogram_range(p, 0) == std::pair<int32_t, int32_t>{0, 6});
    CHECK(subprogram_range(p, 1) == std::pair<int32_t, int32_t>{6, 8});
}

TEST_CASE("cfg: basic block starts") {
    const Program p = sample();
    CHECK(block_starts(p) == std::vector<int32_t>{0, 2, 3, 5, 6});
}

TEST_CASE("cfg: falling off the end is visible as size()") {
    auto d = decode(std::vector<RawInsn>{mov64_imm(0, 0)});
    REQUIRE(d);
    CHECK(successors(*d, 0) == std::vector<int32_t>{1});
}
