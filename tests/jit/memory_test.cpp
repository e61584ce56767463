// Loads/stores, atomics, LD_ABS/LD_IND, and W^X code pages.
#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <sstream>

#include "jit/compiler.hpp"
#include "tests/jit/program_builder.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

TEST_CASE("loads zero- and sign-extend, stores truncate", "[jit][memory]") {
    std::vector<uint8_t> mem = {0x80, 0xff, 0x00, 0x80, 0x01, 0x02, 0x03, 0x84, 0, 0, 0, 0, 0, 0, 0, 0};
    auto load = [&](Size s, bool sx, int16_t off) {
        auto r = jit_run(make_program({Load{s, sx, Reg{0}, Reg{1}, off}, exit_insn()}), mem);
        REQUIRE(r.has_value());
        return *r;
    };
    CHECK(load(Size::B, false, 0) == 0x80);
    CHECK(load(Size::B, true, 0) == 0xffffffffffffff80ull);
    CHECK(load(Size::H, false, 2) == 0x8000);
    CHECK(load(Size::H, true, 2) == 0xffffffffffff8000ull);
    CHECK(load(Size::W, false, 4) == 0x84030201);
    CHECK(load(Size::W, true, 4) == 0xffffffff84030201ull);
    CHECK(load(Size::DW, false, 0) == 0x840302018000ff80ull);

    // st dw sign-extends its imm32; stx stores the low bytes.
    auto r = jit_run(make_program({Store{Size::DW, Reg{1}, 8, Imm{-2}}, mov64(2, 0x1234),
                                   stx(Size::B, 1, 0, 2), mov64(0, 0), exit_insn()}),
                     mem);
    REQUIRE(r.has_value());
    uint64_t stored;
    std::memcpy(&stored, mem.data() + 8, 8);
    CHECK(stored == 0xfffffffffffffffeull);
    CHECK(mem[0] == 0x34);
}

TEST_CASE("atomics: fetch returns the old value, 32-bit zero-extended, cmpxchg uses r0", "[jit][atomics]") {
    using isa::AtomicOp;
    struct Case { AtomicOp op; bool fetch; bool is64; uint64_t mem, src, r0; uint64_t mem_after, src_after, r0_after; };
    const uint64_t big = 0xffffffff00000000ull;
    const Case cases[] = {
        {AtomicOp::Add, false, true, 5, 3, 9, 8, 3, 9},
        {AtomicOp::Add, true, true, 5, 3, 9, 8, 5, 9},
        {AtomicOp::Add, true, false, big | 5, big | 3, 9, big | 8, 5, 9},
        {AtomicOp::Or, true, true, 0x10, 0x01, 9, 0x11, 0x10, 9},
        {AtomicOp::And, true, false, 0xff, big | 0x0f, 9, 0x0f, 0xff, 9},
        {AtomicOp::Xor, true, true, 0xff, 0x0f, 9, 0xf0, 0xff, 9},
        {AtomicOp::Xor, false, false, big | 0xff, 0x0f, 9, big | 0xf0, 0x0f, 9},
        {AtomicOp::Xchg, true, true, 1, 2, 9, 2, 1, 9},
        {AtomicOp::Xchg, true, false, big | 1, 2, 9, big | 2, 1, 9},
        {AtomicOp::CmpXchg, true, true, 7, 8, 7, 8, 8, 7},         // equal: swapped
        {AtomicOp::CmpXchg, true, true, 7, 8, 6, 7, 8, 7},         // not equal: r0 = old
        {AtomicOp::CmpXchg, true, false, big | 7, 8, big | 7, big | 8, 8, 7}, // low 32 compared
    };
    for (const Case& k : cases) {
        for (uint8_t src : {2}) {
            std::vector<uint8_t> mem(16, 0);
            std::memcpy(mem.data() + 8, &k.mem, 8);
            std::vector<Instruction> v;
            lddw(v, 0, k.r0);
            lddw(v, src, k.src);
            v.push_back(Atomic{k.op, k.fetch, k.is64, Reg{1}, 8, Reg{src}});
            // r0 = src_after ^ (r0_after << 1) packs both into the result.
            v.push_back(alu64(AluOp::Lsh, 0, 1));
            v.push_back(alu64r(AluOp::Xor, 0, src));
            v.push_back(exit_insn());
            auto r = jit_run(make_program(v), mem);
            REQUIRE(r.has_value());
            uint64_t after;
            std::memcpy(&after, mem.data() + 8, 8);
            INFO("op " << int(k.op) << " fetch " << k.fetch << " is64 " << k.is64 << " src r" << int(src));
            CHECK(after == k.mem_after);
            CHECK(*r == (k.src_after ^ (k.r0_after << 1)));
        }
    }
}

TEST_CASE("atomic fetch ops with r0 as the operand", "[jit][atomics]") {
    std::vector<uint8_t> mem(8, 0);
    mem[0] = 0xf0;
    std::vector<Instruction> v{mov64(0, 0x0f), Atomic{isa::AtomicOp::Or, true, true, Reg{1}, 0, Reg{0}}, exit_insn()};
    auto r = jit_run(make_program(v), mem);
    REQUIRE(r.has_value());
    CHECK(*r == 0xf0);
    CHECK(mem[0] == 0xff);
    // base register r0 (the cmpxchg loop must not lose the address).
    std::vector<Instruction> w{mov64r(0, 1), mov64(2, 0x0f), Atomic{isa::AtomicOp::And, true, true, Reg{0}, 0, Reg{2}},
                               mov64r(0, 2), exit_insn()};
    auto r2 = jit_run(make_program(w), mem);
    REQUIRE(r2.has_value());
    CHECK(*r2 == 0xff);
    CHECK(mem[0] == 0x0f);
}

TEST_CASE("LD_ABS / LD_IND read big-endian and return 0 out of range", "[jit][packet]") {
    std::vector<uint8_t> pkt = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0};
    auto abs = [&](Size s, int32_t off) {
        auto r = jit_run(make_program({PacketLoad{s, false, Reg{0}, off}, alu64(AluOp::Add, 0, 1), exit_insn()}), pkt);
        REQUIRE(r.has_value());
        return *r;
    };
    CHECK(abs(Size::B, 1) == 0x35);
    CHECK(abs(Size::H, 2) == 0x5679);
    CHECK(abs(Size::W, 4) == 0x9abcdef1);
    CHECK(abs(Size::W, 5) == 0);  // 5 + 4 > 8: returns 0 (the +1 never runs)
    CHECK(abs(Size::B, -1) == 0);
    CHECK(abs(Size::B, 7) == 0xf1);
    // LD_IND from a local call still unwinds to the entry frame on failure.
    auto ind = [&](int32_t reg_value, int32_t imm) {
        auto r = jit_run(make_program({mov64(0, 77), call_local(3), exit_insn(),
                                       mov64(6, reg_value), PacketLoad{Size::H, true, Reg{6}, imm},
                                       alu64(AluOp::Add, 0, 1), exit_insn()}),
                         pkt);
        REQUIRE(r.has_value());
        return *r;
    };
    CHECK(ind(1, 1) == 0x5679);
    CHECK(ind(6, 1) == 0);
    CHECK(ind(-2, 3) == 0x3457);
    CHECK(ind(0x7fffffff, 0x7fffffff) == 0);
}

TEST_CASE("no page is writable and executable at once", "[jit][wx]") {
    std::vector<Instruction> v{mov64(0, 1), exit_insn()};
    auto c = jit::compile(make_program(v), {}, test_bindings());
    REQUIRE(c.has_value());
    const auto code = reinterpret_cast<uintptr_t>(c->code());
    std::ifstream maps("/proc/self/maps");
    std::string line;
    bool found = false;
    int wx = 0;
    while (std::getline(maps, line)) {
        std::istringstream in(line);
        std::string range, perms;
        in >> range >> perms;
        const auto dash = range.find('-');
        const uintptr_t lo = std::stoull(range.substr(0, dash), nullptr, 16);
        const uintptr_t hi = std::stoull(range.substr(dash + 1), nullptr, 16);
        if (perms.find('w') != std::string::npos && perms.find('x') != std::string::npos) ++wx;
        if (code >= lo && code < hi) {
            found = true;
            CHECK(perms.substr(0, 3) == "r-x");
        }
    }
    CHECK(found);
    CHECK(wx == 0);
}
