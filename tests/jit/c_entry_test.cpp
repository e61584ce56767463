// The C entry of lean stackless code (jit::CompiledProgram::c_entry, jit/drive.hpp's
// emit_c_entry; issue 18 item 2), on the host's backend: it returns 0 and stores the same
// r0 as the code's own entry and the interpreter, for every shape tests/jit/c_entry_cases.hpp
// lists; code that reads its RunStatus, needs run-time checks or is above
// jit::kCEntryMaxSlots gets none.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "jit/compiler.hpp"
#include "jit/lowering.hpp"
#include "jit/native_listing.hpp"
#include "runtime/interpreter.hpp"
#include "runtime/run/lean_run.hpp"
#include "runtime/run/native_run.hpp"
#include "tests/jit/c_entry_cases.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

jit::CompiledProgram compile_case(const c_entry::Case& c) {
    jit::CompileOptions options;
    options.hardening.blind_constants = c.blind;
    auto code = jit::compile(c.program, c_entry::facts_of(c), c_entry::bindings(), options);
    if (!code) FAIL(code.error().to_string());
    return std::move(*code);
}

} // namespace

TEST_CASE("the C entry stores what the entry returns and the interpreter computes", "[jit][c_entry]") {
    for (const c_entry::Case& c : c_entry::cases()) {
        DYNAMIC_SECTION(c.name) {
            const jit::CompiledProgram code = compile_case(c);
            REQUIRE(code.lean());
            REQUIRE_FALSE(code.run_needs().stack);
            const engine_abi::CEntryFn entry = code.c_entry();
            REQUIRE(entry != nullptr);
            CHECK(runtime::LeanEntry::of(&code).c_entry == entry);

            if (c.proof == c_entry::Proof::Verifier) {
                const helpers::ProgramBindings bindings = c_entry::bindings();
                jit::LoweringOptions options;
                options.bindings = &bindings;
                auto lowered = jit::lower(c.program, c_entry::facts_of(c), options);
                REQUIRE(lowered.has_value());
                CHECK(lowered->block_ops.size() == 1); // the copy holds a block operation too
            }
            // Two sizes: the second run must not see the first's r0 (a program that reads
            // the buffer is out of bounds in the interpreter on the empty one: skipped).
            // One buffer, reset before each engine's run (some programs compute on r1).
            std::vector<uint8_t> mem = c_entry::buffer();
            const auto reset = [&mem] { // in place: the address stays
                const std::vector<uint8_t> fresh = c_entry::buffer();
                std::copy(fresh.begin(), fresh.end(), mem.begin());
            };
            for (size_t size : {mem.size(), size_t{0}}) {
                INFO("size " << size);
                reset();
                auto expected =
                    runtime::Interpreter(c.program, c_entry::bindings()).run_mem(std::span<uint8_t>(mem.data(), size));
                if (!expected) {
                    REQUIRE(size == 0);
                    continue;
                }
                const std::vector<uint8_t> oracle_mem = mem;
                reset();
                uint64_t r0 = 0x5eed5eed5eed5eedull;
                CHECK(entry(reinterpret_cast<uint64_t>(mem.data()), size, &r0) == 0);
                CHECK(r0 == *expected);
                CHECK(mem == oracle_mem); // what the code wrote, too
                reset();
                CHECK(runtime::run_native_mem(code, std::span<uint8_t>(mem.data(), size)).value() == *expected);
                CHECK(mem == oracle_mem);
            }
        }
    }
}

TEST_CASE("the C entry leaves the caller's callee-saved registers and stack as they were", "[jit][c_entry]") {
    // A C caller with values live in callee-saved registers across many calls (g++ keeps
    // `acc` and `i` in them): a C entry that saved one register too few, or left rsp/sp
    // off by its r0 pointer's slot, breaks the loop's arithmetic or its return.
    for (const c_entry::Case& c : c_entry::cases()) {
        DYNAMIC_SECTION(c.name) {
            const jit::CompiledProgram code = compile_case(c);
            const engine_abi::CEntryFn entry = code.c_entry();
            REQUIRE(entry != nullptr);
            std::vector<uint8_t> mem = c_entry::buffer();
            const auto start = reinterpret_cast<uint64_t>(mem.data());
            uint64_t first = 0;
            REQUIRE(entry(start, mem.size(), &first) == 0);
            uint64_t acc = 0, expect = 0;
            for (uint64_t i = 0; i < 64; ++i) {
                uint64_t r0 = 0;
                acc += static_cast<uint64_t>(entry(start, mem.size(), &r0)) + (r0 ^ i);
                expect += first ^ i;
            }
            CHECK(acc == expect);
        }
    }
}

TEST_CASE("code that is not lean and stackless, or too large, gets no C entry and still runs", "[jit][c_entry]") {
    uint8_t mem[16] = {};
    const auto start = reinterpret_cast<uint64_t>(mem);
    SECTION("r10 used") {
        const Program p = make_program({stx(Size::DW, 10, -8, 1), ldx(Size::DW, 0, 10, -8), exit_insn()});
        auto code = jit::compile(p, c_entry::all_proven(p), c_entry::bindings());
        REQUIRE(code.has_value());
        CHECK(code->lean());
        CHECK(code->c_entry() == nullptr);
        CHECK(runtime::LeanEntry::of(&*code).c_entry == nullptr);
        CHECK(runtime::run_native_mem(*code, mem).value() == start);
    }
    SECTION("an instruction budget") {
        const Program p = make_program({mov64(0, 7), exit_insn()});
        jit::CompileOptions options;
        options.hardening.instruction_budget = 100;
        auto code = jit::compile(p, c_entry::all_proven(p), c_entry::bindings(), options);
        REQUIRE(code.has_value());
        CHECK(code->c_entry() == nullptr);
        CHECK(runtime::run_native_mem(*code, mem).value() == 7);
    }
    SECTION("run-time checks") {
        const Program p = make_program({ldx(Size::DW, 0, 1, 0), exit_insn()});
        auto code = jit::compile(p, verifier::Facts{}, c_entry::bindings());
        REQUIRE(code.has_value());
        CHECK(code->checked());
        CHECK(code->c_entry() == nullptr);
        CHECK(runtime::run_native_mem(*code, mem).value() == 0);
    }
    SECTION("a helper that uses the run's state") {
        const Program p = make_program({mov64(1, 1), mov64(2, 2), mov64(3, 3), mov64(4, 4), mov64(5, 5),
                                        call_helper(1000), exit_insn()}); // test_sum: the default, uses_run_state
        auto code = jit::compile(p, c_entry::all_proven(p), c_entry::bindings());
        REQUIRE(code.has_value());
        CHECK_FALSE(code->lean());
        CHECK(code->c_entry() == nullptr);
        CHECK(runtime::run_native_mem(*code, mem).value() == 1 + 4 + 9 + 16 + 25);
    }
    SECTION("more than kCEntryMaxSlots slots") {
        std::vector<Instruction> insns(jit::kCEntryMaxSlots, alu64(AluOp::Add, 0, 1));
        insns.insert(insns.begin(), mov64(0, 0));
        insns.push_back(exit_insn());
        const Program p = make_program(std::move(insns));
        auto code = jit::compile(p, c_entry::all_proven(p), c_entry::bindings());
        REQUIRE(code.has_value());
        CHECK(code->lean());
        CHECK(code->c_entry() == nullptr);
        CHECK(runtime::run_native_mem(*code, mem).value() == jit::kCEntryMaxSlots);
    }
    SECTION("exactly kCEntryMaxSlots slots") {
        std::vector<Instruction> insns(jit::kCEntryMaxSlots - 2, alu64(AluOp::Add, 0, 1));
        insns.insert(insns.begin(), mov64(0, 0));
        insns.push_back(exit_insn());
        const Program p = make_program(std::move(insns));
        auto code = jit::compile(p, c_entry::all_proven(p), c_entry::bindings());
        REQUIRE(code.has_value());
        REQUIRE(code->c_entry() != nullptr);
        uint64_t r0 = 0;
        CHECK(code->c_entry()(start, sizeof mem, &r0) == 0);
        CHECK(r0 == jit::kCEntryMaxSlots - 2);
    }
}

TEST_CASE("native listings show the C entry after the code, on both backends", "[jit][c_entry]") {
    const Program p = make_program({mov64(0, 0x1234), exit_insn()});
    for (jit::Arch arch : {jit::Arch::X86_64, jit::Arch::Arm64}) {
        DYNAMIC_SECTION((arch == jit::Arch::X86_64 ? "x86-64" : "A64")) {
            auto text = jit::native_listing(p, c_entry::all_proven(p), c_entry::bindings(), {}, arch);
            REQUIRE(text.has_value());
            INFO(*text);
            const size_t heading = text->find("; C entry: int entry(uint64_t r1, uint64_t r2, uint64_t* r0)");
            REQUIRE(heading != std::string::npos);
            // The program's slots are listed in both copies.
            const size_t first = text->find("0: r0 = 4660");
            REQUIRE(first < heading);
            CHECK(text->find("0: r0 = 4660", heading) != std::string::npos);
            if (arch == jit::Arch::X86_64) {
                CHECK(text->find("mov r9, rdx", heading) != std::string::npos);
                CHECK(text->find("mov qword ptr [r9], rax", heading) != std::string::npos);
                CHECK(text->find("xor eax, eax", heading) != std::string::npos);
            } else {
                CHECK(text->find("mov x8, x2", heading) != std::string::npos);
                CHECK(text->find("str x7, [x8]", heading) != std::string::npos);
            }
        }
    }
    // Code with a stack: one copy, no heading.
    const Program stacked = make_program({stx(Size::DW, 10, -8, 1), ldx(Size::DW, 0, 10, -8), exit_insn()});
    auto text = jit::native_listing(stacked, c_entry::all_proven(stacked), c_entry::bindings());
    REQUIRE(text.has_value());
    CHECK(text->find("C entry") == std::string::npos);
}
