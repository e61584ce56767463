// Local calls (frames, r6-r9, r10, depth) and helper calls (table, callx, map values).
#include <catch2/catch.hpp>

#include <array>
#include <cstring>
#include <linux/bpf.h>

#include "program_builder.hpp"
#include "runtime/maps/map.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

TEST_CASE("local call: args in r1-r5, result in r0, r6-r9 preserved, own r10") {
    // main: r6..r9 = 6..9; *(u64 *)(r10 - 8) = 77; call f; check everything.
    // f:    clobbers r6..r9 and its own r10 - 8, returns r1 + r2.
    auto p = make_program({
        /* 0 */ mov(6, imm(6)), mov(7, imm(7)), mov(8, imm(8)), mov(9, imm(9)),
        /* 4 */ Store{Size::DW, r(10), -8, imm(77)},
        /* 5 */ mov(1, imm(40)), mov(2, imm(2)),
        /* 7 */ Call{CallKind::Local, 9, 17},
        /* 8 */ Load{Size::DW, false, r(3), r(10), -8},
        /* 9 */ Jump{Cond::Ne, false, r(3), imm(77), 15},
        /* 10*/ Jump{Cond::Ne, false, r(6), imm(6), 15},
        /* 11*/ Jump{Cond::Ne, false, r(7), imm(7), 15},
        /* 12*/ Jump{Cond::Ne, false, r(8), imm(8), 15},
        /* 13*/ Jump{Cond::Ne, false, r(9), imm(9), 15},
        /* 14*/ exit_(),
        /* 15*/ mov(0, imm(-1)), exit_(),
        /* 17: f */ mov(6, imm(0)), mov(7, imm(0)), mov(8, imm(0)), mov(9, imm(0)),
        /* 21*/ Store{Size::DW, r(10), -8, imm(0)},
        /* 22*/ mov(0, r(1)), alu64(AluOp::Add, 0, r(2)), exit_(),
    });
    auto r0 = run_mem(p);
    INFO((r0 ? "" : r0.error().to_string()));
    REQUIRE(r0);
    CHECK(*r0 == 42);
}

namespace {
// A chain of `depth` frames: each subprogram calls the next, the last returns 1.
Program call_chain(int depth) {
    std::vector<Instruction> v;
    for (int i = 0; i + 1 < depth; ++i) {
        const int32_t next = static_cast<int32_t>(v.size()) + 2;
        v.push_back(Call{CallKind::Local, 1, next});
        v.push_back(exit_());
    }
    v.push_back(mov(0, imm(1)));
    v.push_back(exit_());
    return make_program(v);
}
} // namespace

TEST_CASE("local calls go 8 frames deep; the 9th is rejected") {
    auto ok = run_mem(call_chain(8));
    REQUIRE(ok);
    CHECK(*ok == 1);
    auto too_deep = run_mem(call_chain(9));
    REQUIRE_FALSE(too_deep);
    CHECK(too_deep.error().insn == 14u); // the 8th frame's call
    CHECK_THAT(too_deep.error().message, Catch::Contains("8 frames"));
}

TEST_CASE("a callee may read its caller's frame, not beyond its own") {
    // main stores 5 at r10-8 and passes r10-8 in r1; f reads it and tries r10-520.
    auto p = make_program({Store{Size::DW, r(10), -8, imm(5)}, mov(1, r(10)), alu64(AluOp::Add, 1, imm(-8)),
                           Call{CallKind::Local, 1, 5}, exit_(),
                           /* 5: f */ Load{Size::DW, false, r(0), r(1), 0}, exit_()});
    auto r0 = run_mem(p);
    REQUIRE(r0);
    CHECK(*r0 == 5);
    p.insns[5] = Load{Size::DW, false, r(0), r(10), -520};
    auto bad = run_mem(p);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().insn == 5u);
}

TEST_CASE("helper calls go through the table by id; unknown ids are errors") {
    helpers::HelperTable table;
    table.add({7000, "sum5", {}, kAllProgramTypes,
               [](uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e) { return a + b + c + d + e; }});
    helpers::ProgramBindings b;
    b.helpers = &table;
    auto p = make_program({mov(1, imm(1)), mov(2, imm(2)), mov(3, imm(3)), mov(4, imm(4)), mov(5, imm(5)),
                           Call{CallKind::Helper, 7000, -1}, exit_()});
    auto r0 = run_mem(p, {}, {}, b);
    REQUIRE(r0);
    CHECK(*r0 == 15);

    SECTION("callx takes the id from a register") {
        p.insns[5] = CallX{r(4)};
        p.insns[3] = mov(4, imm(7000));
        auto rx = run_mem(p, {}, {}, b);
        REQUIRE(rx);
        CHECK(*rx == 1 + 2 + 3 + 7000 + 5);
    }
    SECTION("an unknown id names the instruction and the id") {
        p.insns[5] = Call{CallKind::Helper, 7001, -1};
        auto bad = run_mem(p, {}, {}, b);
        REQUIRE_FALSE(bad);
        CHECK(bad.error().insn == 5u);
        CHECK_THAT(bad.error().message, Catch::Contains("7001"));
    }
    SECTION("kfunc calls are reported as unsupported") {
        p.insns[5] = Call{CallKind::Kfunc, 123, -1};
        auto bad = run_mem(p, {}, {}, b);
        REQUIRE_FALSE(bad);
        CHECK(bad.error().insn == 5u);
        CHECK_THAT(bad.error().message, Catch::Contains("unsupported"));
    }
}

TEST_CASE("the builtin table has bpf_ktime_get_ns, and it is monotonic") {
    const auto* h = helpers::HelperTable::builtin().find(BPF_FUNC_ktime_get_ns);
    REQUIRE(h != nullptr);
    CHECK(h->name == "ktime_get_ns");
    auto p = make_program({Call{CallKind::Helper, BPF_FUNC_ktime_get_ns, -1}, mov(6, r(0)),
                           Call{CallKind::Helper, BPF_FUNC_ktime_get_ns, -1}, alu64(AluOp::Sub, 0, r(6)),
                           exit_()});
    auto r0 = run_mem(p);
    REQUIRE(r0);
    CHECK(static_cast<int64_t>(*r0) >= 0);
}

namespace {
// A one-entry array-like map for the map-value tests.
class OneValueMap : public maps::Map {
public:
    OneValueMap() : Map(maps::MapDefinition{BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0, "one", nullptr}) {}
    void* lookup(const void* key) override {
        uint32_t k;
        std::memcpy(&k, key, 4);
        return k == 0 ? value.data() : nullptr;
    }
    int update(const void*, const void*, uint64_t) override { return 0; }
    int remove(const void*) override { return 0; }
    int get_next_key(const void*, void*) override { return 0; }
    alignas(8) std::array<uint8_t, 8> value{1, 2, 3, 4, 5, 6, 7, 8};
};

uint64_t lookup_helper(uint64_t map, uint64_t key, uint64_t, uint64_t, uint64_t) {
    return reinterpret_cast<uint64_t>(reinterpret_cast<maps::Map*>(map)->lookup(reinterpret_cast<void*>(key)));
}
} // namespace

TEST_CASE("map values returned by a MapValueOrNull helper are accessible, exactly value_size bytes") {
    OneValueMap map;
    helpers::HelperTable table;
    helpers::Prototype proto{helpers::RetType::MapValueOrNull,
                             {helpers::ArgType::ConstMapPtr, helpers::ArgType::PtrToMapKey}};
    table.add({BPF_FUNC_map_lookup_elem, "map_lookup_elem", proto, kAllProgramTypes, lookup_helper});
    helpers::ProgramBindings b;
    b.helpers = &table;
    b.maps.push_back({&map, nullptr, 0});

    auto program = [](int16_t load_off) {
        return make_program({Store{Size::W, r(10), -4, imm(0)}, mov(2, r(10)), alu64(AluOp::Add, 2, imm(-4)),
                             LoadImm64{r(1), LddwKind::MapFd, 0, 0}, LddwSecondSlot{},
                             Call{CallKind::Helper, BPF_FUNC_map_lookup_elem, -1},
                             Jump{Cond::Eq, false, r(0), imm(0), 9},
                             Load{Size::B, false, r(0), r(0), load_off}, exit_(), exit_()});
    };
    auto in = run_mem(program(7), {}, {}, b);
    REQUIRE(in);
    CHECK(*in == 8);
    auto out = run_mem(program(8), {}, {}, b);
    REQUIRE_FALSE(out);
    CHECK(out.error().insn == 7u);

    SECTION("a key pointer outside program memory is caught before the helper runs") {
        auto p = program(0);
        p.insns[2] = alu64(AluOp::Add, 2, imm(4096)); // far above the stack
        auto bad = run_mem(p, {}, {}, b);
        REQUIRE_FALSE(bad);
        CHECK(bad.error().insn == 5u);
        CHECK_THAT(bad.error().message, Catch::Contains("argument r2"));
    }
    SECTION("a map argument that is no bound map is rejected") {
        auto p = program(0);
        p.insns[3] = LoadImm64{r(1), LddwKind::Imm64, 0x1000, 0};
        auto bad = run_mem(p, {}, {}, b);
        REQUIRE_FALSE(bad);
        CHECK(bad.error().insn == 5u);
        CHECK_THAT(bad.error().message, Catch::Contains("not a map"));
    }
}
