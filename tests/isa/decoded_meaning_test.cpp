// The table's meanings checked against hand-written IR (the round-trip test alone would
// accept a table that is consistently wrong).
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "isa/decoder.hpp"
#include "isa/encoder.hpp"
#include "raw_builders.hpp"

using namespace ebpfjit::isa;
using namespace ebpfjit::isa::test;

namespace {

Instruction first_of(std::vector<RawInsn> prog) {
    prog.resize(8, exit_insn());
    auto d = decode(prog);
    REQUIRE(d.has_value());
    return d->insns[0];
}
Instruction first_of(RawInsn insn) { return first_of(std::vector<RawInsn>{insn}); }

} // namespace

TEST_CASE("ALU meanings: sdiv/smod and movsx variants") {
    CHECK(first_of(raw(0x3f, 1, 2, 1)) == Instruction{Alu{AluOp::SDiv, true, Reg{1}, Reg{2}}});
    CHECK(first_of(raw(0x34, 1, 0, 1, 7)) == Instruction{Alu{AluOp::SDiv, false, Reg{1}, Imm{7}}});
    CHECK(first_of(raw(0x97, 1, 0, 1, -3)) == Instruction{Alu{AluOp::SMod, true, Reg{1}, Imm{-3}}});
    CHECK(first_of(raw(0x9c, 1, 2, 0)) == Instruction{Alu{AluOp::Mod, false, Reg{1}, Reg{2}}});
    CHECK(first_of(raw(0xbf, 1, 2, 8)) == Instruction{Alu{AluOp::MovSx8, true, Reg{1}, Reg{2}}});
    CHECK(first_of(raw(0xbf, 1, 2, 16)) == Instruction{Alu{AluOp::MovSx16, true, Reg{1}, Reg{2}}});
    CHECK(first_of(raw(0xbf, 1, 2, 32)) == Instruction{Alu{AluOp::MovSx32, true, Reg{1}, Reg{2}}});
    CHECK(first_of(raw(0xbc, 1, 2, 8)) == Instruction{Alu{AluOp::MovSx8, false, Reg{1}, Reg{2}}});
    CHECK(first_of(raw(0x87, 3)) == Instruction{Alu{AluOp::Neg, true, Reg{3}, Imm{0}}});
    CHECK(first_of(raw(0xc4, 3, 0, 0, 4)) == Instruction{Alu{AluOp::Arsh, false, Reg{3}, Imm{4}}});
}

TEST_CASE("byte swap meanings") {
    CHECK(first_of(raw(0xd4, 1, 0, 0, 16)) == Instruction{Endian{EndianOp::ToLe, 16, Reg{1}}});
    CHECK(first_of(raw(0xdc, 1, 0, 0, 64)) == Instruction{Endian{EndianOp::ToBe, 64, Reg{1}}});
    CHECK(first_of(raw(0xd7, 1, 0, 0, 32)) == Instruction{Endian{EndianOp::Swap, 32, Reg{1}}});
}

TEST_CASE("memory meanings") {
    CHECK(first_of(raw(0x61, 1, 2, 4)) == Instruction{Load{Size::W, false, Reg{1}, Reg{2}, 4}});
    CHECK(first_of(raw(0x91, 1, 2, -1)) == Instruction{Load{Size::B, true, Reg{1}, Reg{2}, -1}});
    CHECK(first_of(raw(0x89, 1, 2, 0)) == Instruction{Load{Size::H, true, Reg{1}, Reg{2}, 0}});
    CHECK(first_of(raw(0x81, 1, 2, 0)) == Instruction{Load{Size::W, true, Reg{1}, Reg{2}, 0}});
    CHECK(first_of(raw(0x79, 1, 10, -8)) == Instruction{Load{Size::DW, false, Reg{1}, Reg{10}, -8}});
    CHECK(first_of(raw(0x7a, 10, 0, -8, 5)) == Instruction{Store{Size::DW, Reg{10}, -8, Imm{5}}});
    CHECK(first_of(raw(0x73, 1, 2, 3)) == Instruction{Store{Size::B, Reg{1}, 3, Reg{2}}});
    CHECK(first_of(raw(0x30, 0, 0, 0, 12)) == Instruction{PacketLoad{Size::B, false, Reg{0}, 12}});
    CHECK(first_of(raw(0x48, 0, 6, 0, 2)) == Instruction{PacketLoad{Size::H, true, Reg{6}, 2}});
}

TEST_CASE("every atomic operation, 32 and 64 bit") {
    struct Row { int32_t imm; AtomicOp op; bool fetch; };
    const Row rows[] = {
        {0x00, AtomicOp::Add, false}, {0x01, AtomicOp::Add, true},  {0x40, AtomicOp::Or, false},
        {0x41, AtomicOp::Or, true},   {0x50, AtomicOp::And, false}, {0x51, AtomicOp::And, true},
        {0xa0, AtomicOp::Xor, false}, {0xa1, AtomicOp::Xor, true},  {0xe1, AtomicOp::Xchg, true},
        {0xf1, AtomicOp::CmpXchg, true},
    };
    for (const auto& r : rows)
        for (bool is64 : {false, true}) {
            INFO(fmt::format("imm {:#x} is64 {}", r.imm, is64));
            const RawInsn insn = raw(is64 ? 0xdb : 0xc3, 1, 2, -16, r.imm);
            const Instruction want = Atomic{r.op, r.fetch, is64, Reg{1}, -16, Reg{2}};
            CHECK(first_of(insn) == want);
            Program p{{want, Exit{}}, {0}};
            auto back = try_encode(p);
            REQUIRE(back);
            CHECK((*back)[0].opcode == insn.opcode);
            CHECK((*back)[0].imm == r.imm);
        }
}

TEST_CASE("every LDDW source form round-trips with both immediates") {
    for (uint8_t src = 0; src <= 6; ++src) {
        INFO(fmt::format("src {}", src));
        const bool map_ref = src == BPF_PSEUDO_MAP_FD || src == BPF_PSEUDO_MAP_IDX;
        const int32_t next = map_ref ? 0 : -5;
        std::vector<RawInsn> prog = lddw(3, src, 2, next);
        prog.push_back(exit_insn());
        prog.push_back(exit_insn());
        auto d = decode(prog);
        REQUIRE(d);
        CHECK(d->insns[0] == Instruction{LoadImm64{Reg{3}, LddwKind(src), 2, next}});
        CHECK(std::holds_alternative<LddwSecondSlot>(d->insns[1]));
        auto bytes = encode_bytes(*d);
        auto again = decode_bytes(bytes);
        REQUIRE(again);
        CHECK(again->insns == d->insns);
        CHECK(again->subprogram_starts == d->subprogram_starts);
    }
    CHECK(std::get<LoadImm64>(first_of(lddw(1, 0, int32_t(0x89abcdef), 0x01234567))).value() == 0x0123456789abcdefull);
}

TEST_CASE("jump and call meanings") {
    CHECK(first_of(raw(0x05, 0, 0, 2)) == Instruction{Jump{Cond::Always, false, Reg{0}, Imm{0}, 3}});
    CHECK(first_of(raw(0x06, 0, 0, 0, 4)) == Instruction{Jump{Cond::Always, true, Reg{0}, Imm{0}, 5}});
    CHECK(first_of(raw(0x2d, 1, 2, 1)) == Instruction{Jump{Cond::Gt, false, Reg{1}, Reg{2}, 2}});
    CHECK(first_of(raw(0xc6, 1, 0, 1, -5)) == Instruction{Jump{Cond::SLt, true, Reg{1}, Imm{-5}, 2}});
    CHECK(first_of(raw(0x85, 0, 0, 0, 7)) == Instruction{Call{CallKind::Helper, 7, -1}});
    CHECK(first_of(raw(0x85, 0, 1, 0, 3)) == Instruction{Call{CallKind::Local, 3, 4}});
    CHECK(first_of(raw(0x85, 0, 2, 0, 3)) == Instruction{Call{CallKind::Kfunc, 3, -1}});
    CHECK(first_of(raw(0x8d, 4)) == Instruction{CallX{Reg{4}}});
    CHECK(first_of(raw(0x95)) == Instruction{Exit{}});
}

TEST_CASE("try_encode reports IR without an encoding at its slot") {
    Program bad{{Exit{}, Alu{AluOp::MovSx32, false, Reg{1}, Reg{2}}}, {0}};
    auto r = try_encode(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().insn == 1u);
    Program orphan{{LddwSecondSlot{}, Exit{}}, {0}};
    CHECK(try_encode(orphan).error().insn == 0u);
    Program far{{Jump{Cond::Always, false, Reg{0}, Imm{0}, 40000}}, {0}};
    CHECK(try_encode(far).error().insn == 0u);
    Program big_reg{{Alu{AluOp::Mov, true, Reg{12}, Imm{0}}}, {0}};
    CHECK(try_encode(big_reg).error().insn == 0u);
}
