// Checked code: programs the verifier did not prove (empty Facts) run on the JIT with
// run-time checks (runtime/run/checked_run.hpp) and fault like the interpreter, never crash.
#include <catch2/catch.hpp>

#include <linux/bpf.h>

#include <cstring>

#include <fmt/format.h>

#include "jit/compiler.hpp"
#include "runtime/maps/array_map.hpp"
#include "tests/jit/program_builder.hpp"
#include "tests/jit/require_fault.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

Instruction st(Size s, uint8_t base, int16_t off, int32_t imm) { return Store{s, Reg{base}, off, Imm{imm}}; }
Instruction atomic_add(uint8_t base, int16_t off, uint8_t src) {
    return Atomic{AtomicOp::Add, false, true, Reg{base}, off, Reg{src}};
}

} // namespace

TEST_CASE("checked loads, stores and atomics outside program memory fault", "[jit][checked]") {
    std::vector<uint8_t> mem(8, 0x11);
    SECTION("load past the end of the input") {
        require_fault(jit_run(make_program({ldx(Size::W, 0, 1, 6), exit_insn()}), mem), 0,
                      "load of 4 bytes at");
    }
    SECTION("load inside the input still works") {
        auto r = jit_run(make_program({ldx(Size::W, 0, 1, 4), exit_insn()}), mem);
        REQUIRE(r.has_value());
        CHECK(*r == 0x11111111);
    }
    SECTION("store through a scalar") {
        const uint64_t wild = 4096;
        auto r = jit_run(make_program({mov64(1, 4096), st(Size::DW, 1, 0, 1), exit_insn()}), mem);
        require_fault(r, 1, fmt::format("store of 8 bytes at {:#x} is outside program memory", wild));
    }
    SECTION("atomic add before the input") {
        require_fault(jit_run(make_program({mov64(2, 1), atomic_add(1, -8, 2), mov64(0, 0), exit_insn()}), mem), 1,
                      "atomic of 8 bytes");
    }
    SECTION("store below the stack frame") {
        require_fault(jit_run(make_program({st(Size::DW, 10, -520, 1), mov64(0, 0), exit_insn()}), mem), 0,
                      "store of 8 bytes");
    }
    SECTION("the first stack byte above the frame (the entry's saved state) is refused") {
        require_fault(jit_run(make_program({st(Size::B, 10, 0, 1), mov64(0, 0), exit_insn()}), mem), 0,
                      "store of 1 bytes");
    }
    SECTION("the whole 512-byte frame is usable") {
        auto r = jit_run(make_program({st(Size::DW, 10, -512, 5), st(Size::DW, 10, -8, 6),
                                       ldx(Size::DW, 0, 10, -512), ldx(Size::DW, 2, 10, -8),
                                       alu64r(AluOp::Add, 0, 2), exit_insn()}),
                         mem);
        REQUIRE(r.has_value());
        CHECK(*r == 11);
    }
    CHECK(mem == std::vector<uint8_t>(8, 0x11));
}

TEST_CASE("local calls: a stack pointer passed down works, a caller's saved registers do not",
          "[jit][checked][calls]") {
    SECTION("a callee reads and writes its caller's frame through r1") {
        // 0: *(r10-8) = 42; r1 = r10; r1 += -8; call 7; r0 += *(r10-8); exit
        // 7: r0 = *(u64*)(r1); *(u64*)(r1) = 7; exit
        auto p = make_program({st(Size::DW, 10, -8, 42), mov64r(1, 10), alu64(AluOp::Add, 1, -8), call_local(7),
                               ldx(Size::DW, 2, 10, -8), alu64r(AluOp::Add, 0, 2), exit_insn(),
                               ldx(Size::DW, 0, 1, 0), st(Size::DW, 1, 0, 7), exit_insn()});
        auto r = jit_run(p);
        REQUIRE(r.has_value());
        CHECK(*r == 49);
    }
    SECTION("two calls deep, the grandchild cannot reach above its caller's frame") {
        // entry calls A; A passes r10 - 8 to B; B stores at r1 + 8 (= A's r10: the saved
        // registers between the frames) and must fault; r1 + 0 is fine.
        for (int16_t off : {int16_t{0}, int16_t{8}, int16_t{16}, int16_t{-504}, int16_t{-512}}) {
            auto p = make_program({mov64(0, 0), call_local(3), exit_insn(),
                                   /*A*/ mov64r(1, 10), alu64(AluOp::Add, 1, -8), call_local(7), exit_insn(),
                                   /*B*/ st(Size::DW, 1, off, 1), mov64(0, 5), exit_insn()});
            auto r = jit_run(p);
            INFO("offset " << off);
            if (off == 0 || off == -504) {
                REQUIRE(r.has_value());
                CHECK(*r == 5);
            } else {
                require_fault(r, 7, "store of 8 bytes");
            }
        }
    }
}

TEST_CASE("checked helper calls: arguments against the prototype, map values recorded", "[jit][checked][helpers]") {
    auto map = maps::ArrayMap::create(maps::MapDefinition{BPF_MAP_TYPE_ARRAY, 4, 8, 2, 0, "values", nullptr});
    REQUIRE(map);
    helpers::ProgramBindings bindings;
    bindings.maps.push_back({map.get(), nullptr, 0});
    auto run = [&](std::vector<Instruction> v) { return jit_run(make_program(std::move(v)), {}, &bindings); };

    // r2 = r10 - 4 with *(u32*)(r10-4) = key; r1 = the map
    auto lookup = [&](int32_t key) {
        std::vector<Instruction> v = {st(Size::W, 10, -4, key), mov64r(2, 10), alu64(AluOp::Add, 2, -4)};
        lddw(v, 1, 0, LddwKind::MapFd);
        v.push_back(call_helper(BPF_FUNC_map_lookup_elem));
        return v;
    };

    SECTION("a wild pointer as the map faults before the call") {
        auto r = run({mov64(1, 0x1234), mov64r(2, 10), alu64(AluOp::Add, 2, -4), call_helper(BPF_FUNC_map_lookup_elem),
                      exit_insn()});
        require_fault(r, 3, "not a map");
    }
    SECTION("a wild key pointer faults before the call") {
        std::vector<Instruction> v;
        lddw(v, 1, 0, LddwKind::MapFd);
        v.insert(v.end(), {mov64(2, 4096), call_helper(BPF_FUNC_map_lookup_elem), exit_insn()});
        require_fault(run(v), 3, "not readable program memory");
    }
    SECTION("the value a lookup returns is accessible, exactly value_size bytes") {
        auto in = lookup(1);
        const size_t call = in.size() - 1;
        in.insert(in.end(), {jcc(Cond::Eq, 0, 0, static_cast<int32_t>(call + 5)), st(Size::DW, 0, 0, 77),
                             ldx(Size::DW, 0, 0, 0), exit_insn(), exit_insn(), exit_insn()});
        auto r = run(in);
        REQUIRE(r.has_value());
        CHECK(*r == 77);

        auto out = lookup(1);
        out.insert(out.end(), {jcc(Cond::Eq, 0, 0, static_cast<int32_t>(call + 4)), ldx(Size::DW, 0, 0, 4),
                               exit_insn(), exit_insn()});
        require_fault(run(out), static_cast<uint32_t>(call + 2), "load of 8 bytes");
    }
}

TEST_CASE("proven programs compile without checks; unproven ones zero the registers they read",
          "[jit][checked]") {
    auto p = make_program({ldx(Size::B, 0, 1, 0), stx(Size::B, 10, -1, 0), exit_insn()});
    verifier::Facts proof;
    proof.access_in_bounds = {true, true, false};
    auto proven = jit::compile(p, proof, test_bindings());
    auto unproven = jit::compile(p, verifier::Facts{}, test_bindings());
    REQUIRE(proven);
    REQUIRE(unproven);
    CHECK_FALSE(proven->checked());
    CHECK(unproven->checked());
    CHECK(proven->code_size() < unproven->code_size());

    // r0 and r3 never written: 0, as in the interpreter (not what the host left there).
    auto r = jit_run(make_program({alu64r(AluOp::Add, 0, 3), exit_insn()}));
    REQUIRE(r.has_value());
    CHECK(*r == 0);
}

TEST_CASE("r10 + a constant offset inside the frame needs no check, even unproven", "[jit][checked]") {
    auto lowered_checks = [](std::vector<Instruction> insns) {
        const helpers::ProgramBindings bindings = test_bindings();
        jit::LoweringOptions options;
        options.bindings = &bindings;
        auto lowered = jit::lower(make_program(std::move(insns)), verifier::Facts{}, options);
        REQUIRE(lowered);
        std::vector<bool> checked;
        for (const auto& slot : lowered->slots) checked.push_back(slot.checked_access);
        return checked;
    };
    // Whole frame, both ends: no checks.
    CHECK(lowered_checks({st(Size::DW, 10, -512, 1), stx(Size::DW, 10, -8, 1), ldx(Size::DW, 0, 10, -8),
                          atomic_add(10, -16, 0), exit_insn()}) ==
          std::vector<bool>{false, false, false, false, false});
    // Past either end, or through another register: checked.
    CHECK(lowered_checks({st(Size::DW, 10, -520, 1), stx(Size::DW, 10, -4, 1), ldx(Size::B, 0, 10, 0),
                          ldx(Size::B, 0, 1, 0), exit_insn()}) ==
          std::vector<bool>{true, true, true, true, false});
}

TEST_CASE("trusted compiles of unproven programs carry no checks", "[jit][checked]") {
    const Program p = make_program({ldx(Size::B, 0, 1, 0), stx(Size::B, 1, 1, 0), call_helper(1000), exit_insn()});
    jit::CompileOptions trusted;
    trusted.trusted = true;
    auto plain = jit::compile(p, verifier::Facts{}, test_bindings(), trusted);
    auto checked = jit::compile(p, verifier::Facts{}, test_bindings());
    REQUIRE(plain);
    REQUIRE(checked);
    CHECK_FALSE(plain->checked());
    CHECK(checked->checked());
}
