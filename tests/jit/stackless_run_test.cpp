// Stackless lean code (runtime/run/lean_run.hpp, issue 18 item 2): code with no eBPF stack
// and no budget never reads or writes its RunStatus, so its runs pass none and test no
// fault. These tests hold the backends to that (a status full of a pattern comes back
// unchanged), and check that JIT code lies within a rel32 call's reach of this library's
// code (jit/executable_memory.cpp: far indirect calls cost ~1 ns on the machines we
// measure), where the platform lets us map there.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>

#include "engine_abi/run_status.hpp"
#include "jit/compiler.hpp"
#include "runtime/run/lean_run.hpp"
#include "runtime/run/native_run.hpp"
#include "tests/jit/program_builder.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

verifier::Facts all_proven(const Program& p) {
    verifier::Facts f;
    f.access_in_bounds.assign(p.insns.size(), true);
    return f;
}

jit::CompiledProgram compile_proven(const Program& p, jit::CompileOptions options = {}) {
    auto code = jit::compile(p, all_proven(p), test_bindings(), options);
    if (!code) FAIL(code.error().to_string());
    return std::move(*code);
}

} // namespace

TEST_CASE("stackless lean code never touches its RunStatus", "[jit][lean]") {
    // r0 = r1 + r2 (r1 = start, r2 = size); loads through r1 (proven): no r10, no budget.
    const Program p = make_program({mov64r(0, 1), alu64r(AluOp::Add, 0, 2), exit_insn()});
    const jit::CompiledProgram code = compile_proven(p);
    REQUIRE(code.lean());
    REQUIRE_FALSE(code.run_needs().stack);
    const runtime::LeanEntry lean = runtime::LeanEntry::of(&code);
    REQUIRE(lean);
    CHECK_FALSE(lean.stack);

    alignas(engine_abi::RunStatus) unsigned char status[sizeof(engine_abi::RunStatus)];
    std::memset(status, 0xa5, sizeof status);
    unsigned char expect[sizeof status];
    std::memcpy(expect, status, sizeof status);
    uint8_t mem[16] = {};
    const auto start = reinterpret_cast<uint64_t>(mem);
    CHECK(code.entry()(start, sizeof mem, mem, sizeof mem, reinterpret_cast<engine_abi::RunStatus*>(status)) ==
          start + sizeof mem);
    CHECK(std::memcmp(status, expect, sizeof status) == 0);
    CHECK(runtime::run_native_mem(code, mem).value() == start + sizeof mem);
    CHECK(runtime::run_lean_stackless(lean, 1, 2, nullptr, 0) == 3);
}

TEST_CASE("code that reads its RunStatus is not stackless", "[jit][lean]") {
    SECTION("r10 used") {
        const Program p = make_program({stx(Size::DW, 10, -8, 1), ldx(Size::DW, 0, 10, -8), exit_insn()});
        const jit::CompiledProgram code = compile_proven(p);
        REQUIRE(code.lean());
        CHECK(runtime::LeanEntry::of(&code).stack);
        uint8_t mem[8] = {};
        CHECK(runtime::run_native_mem(code, mem).value() == reinterpret_cast<uint64_t>(mem));
    }
    SECTION("an instruction budget") {
        const Program p = make_program({mov64(0, 7), exit_insn()});
        jit::CompileOptions options;
        options.hardening.instruction_budget = 100;
        const jit::CompiledProgram code = compile_proven(p, options);
        if (code.lean()) CHECK(runtime::LeanEntry::of(&code).stack);
        uint8_t mem[8] = {};
        CHECK(runtime::run_native_mem(code, mem).value() == 7);
    }
}

#if defined(__x86_64__) && defined(__linux__)
TEST_CASE("JIT code is mapped within a rel32 call of the library's code", "[jit][lean]") {
    const jit::CompiledProgram code = compile_proven(make_program({mov64(0, 1), exit_insn()}));
    const auto text = reinterpret_cast<intptr_t>(&jit::compile);
    const auto entry = reinterpret_cast<intptr_t>(code.entry());
    if (text < (intptr_t{1} << 31)) {
        WARN("the library's code is in the low 2 GiB: code pages are mapped anywhere");
        return;
    }
    const intptr_t distance = entry > text ? entry - text : text - entry;
    CHECK(distance < (intptr_t{1} << 31));
}
#endif
