// The A64 C entry of lean stackless code (jit/drive.hpp's emit_c_entry,
// jit/arm64/prologue.cpp): its listing on any host, and on AArch64 (qemu in the cross
// build) its runs against the interpreter, for every shape tests/jit/c_entry_cases.hpp
// lists (the x86-64 twin is tests/jit/c_entry_test.cpp).
#include <algorithm>
#include <string>

#include "arm64_program.hpp"
#include "jit/blinding.hpp"
#include "runtime/interpreter.hpp"
#include "runtime/run/native_run.hpp"
#include "tests/jit/c_entry_cases.hpp"

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

// The case lowered as jit::compile would (blinded first when it asks), or an error.
Result<jit::Lowered> lower_case(const c_entry::Case& c, const helpers::ProgramBindings& bindings) {
    verifier::Facts facts = c_entry::facts_of(c);
    jit::LoweringOptions options;
    options.bindings = &bindings;
    if (!c.blind) return jit::lower(c.program, facts, options);
    auto blinded = jit::blind_constants(c.program, facts);
    if (!blinded) return fail(blinded.error());
    return jit::lower(blinded->program, blinded->facts, options);
}

std::string listing_of(const c_entry::Case& c) {
    const helpers::ProgramBindings bindings = c_entry::bindings();
    auto lowered = lower_case(c, bindings);
    if (!lowered) return "lowering error: " + lowered.error().to_string();
    asmjit::StringLogger logger;
    jit::arm64::Options options;
    options.logger = &logger;
    options.annotate = [](uint32_t pc) { return "; slot " + std::to_string(pc); };
    auto assembled = jit::arm64::assemble(*lowered, options);
    if (!assembled) return "error: " + assembled.error().to_string();
    if (assembled->c_entry_offset == jit::kNoNativeCode) return "no C entry\n" + std::string(logger.data());
    return logger.data();
}

const c_entry::Case& case_named(const std::vector<c_entry::Case>& cases, std::string_view name) {
    for (const c_entry::Case& c : cases)
        if (c.name == name) return c;
    FAIL("no case " << name);
    return cases.front();
}

} // namespace

TEST_CASE("arm64: the C entry's listing keeps r0's pointer in x8, or on the stack around calls", "[c_entry]") {
    const std::vector<c_entry::Case> cases = c_entry::cases();
    SECTION("no calls: x8") {
        const std::string text = listing_of(case_named(cases, "r6-r9 written, no calls"));
        INFO(text);
        const size_t entry = text.find("C entry: int");
        REQUIRE(entry != std::string::npos);
        const std::string c_part = text.substr(entry);
        CHECK(c_part.find("mov x8, x2") != std::string::npos);
        CHECK(c_part.find("str x7, [x8]") != std::string::npos);
        CHECK(c_part.find("mov w0, wzr") != std::string::npos);
        // r6-r9 are saved by the copy's frame too.
        CHECK(c_part.find("stp x19, x20") != std::string::npos);
        CHECK(c_part.find("stp x21, x22") != std::string::npos);
    }
    SECTION("a helper call: pushed before the frame record, popped after it") {
        const std::string text = listing_of(case_named(cases, "r6-r7 across a helper call"));
        INFO(text);
        const size_t entry = text.find("C entry: int");
        REQUIRE(entry != std::string::npos);
        const std::string c_part = text.substr(entry);
        const size_t push = c_part.find("str x2, [sp");
        const size_t record = c_part.find("stp x29, x30");
        REQUIRE(push != std::string::npos);
        REQUIRE(record != std::string::npos);
        CHECK(push < record);
        const size_t unrecord = c_part.find("ldp x29, x30");
        const size_t pop = c_part.find("ldr x8, [sp]");
        REQUIRE(unrecord != std::string::npos);
        REQUIRE(pop != std::string::npos);
        CHECK(unrecord < pop);
        CHECK(c_part.find("str x7, [x8]") > pop);
    }
    SECTION("code with an eBPF stack has none") {
        const Program p = make_program({stx(Size::DW, 10, -8, 1), ldx(Size::DW, 0, 10, -8), exit_insn()});
        const std::string text = listing_of(c_entry::Case{"stack", p});
        CHECK(text.rfind("no C entry", 0) == 0);
        CHECK(text.find("C entry: int") == std::string::npos); // the copy's heading
        CHECK(text.find("mov w0, wzr") == std::string::npos);
    }
}

#if defined(__aarch64__)
TEST_CASE("arm64: the C entry stores what the entry returns and the interpreter computes", "[run][c_entry]") {
    const helpers::ProgramBindings bindings = c_entry::bindings();
    for (const c_entry::Case& c : c_entry::cases()) {
        DYNAMIC_SECTION(c.name) {
            auto lowered = lower_case(c, bindings);
            REQUIRE(lowered.has_value());
            REQUIRE(jit::wants_c_entry(*lowered));
            auto compiled = jit::arm64::compile(*lowered, jit::arm64::Options{});
            if (!compiled) FAIL(compiled.error().to_string());
            const engine_abi::CEntryFn entry = compiled->c_entry();
            REQUIRE(entry != nullptr);
            if (c.proof == c_entry::Proof::Verifier) CHECK(lowered->block_ops.size() == 1);
            // One buffer, reset before each run (some programs compute on r1).
            std::vector<uint8_t> mem = c_entry::buffer();
            const auto reset = [&mem] { // in place: the address stays
                const std::vector<uint8_t> fresh = c_entry::buffer();
                std::copy(fresh.begin(), fresh.end(), mem.begin());
            };
            auto expected = runtime::Interpreter(c.program, bindings).run_mem(mem);
            REQUIRE(expected.has_value());
            const std::vector<uint8_t> oracle_mem = mem;
            uint64_t acc = 0;
            for (int i = 0; i < 3; ++i) { // again: the pointer and the frame come back each time
                reset();
                uint64_t r0 = 0x5eed5eed5eed5eedull;
                CHECK(entry(reinterpret_cast<uint64_t>(mem.data()), mem.size(), &r0) == 0);
                CHECK(r0 == *expected);
                CHECK(mem == oracle_mem); // what the code wrote, too
                acc += r0;
            }
            CHECK(acc == 3 * *expected);
            reset();
            CHECK(runtime::run_native_mem(*compiled, mem).value() == *expected);
            CHECK(mem == oracle_mem);
        }
    }
}
#endif
