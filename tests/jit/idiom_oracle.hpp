// The oracle for the loop-idiom tests (block_idiom_test.cpp, compare_idiom_test.cpp): the
// interpreter, and the JIT with and without one idiom, run on one buffer reset in between
// (so that programs may return pointers and still compare); all must agree on r0, the
// error and every byte of the buffer.
#pragma once

#include <algorithm>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "helpers/helper_table.hpp"
#include "jit/compiler.hpp"
#include "jit/lowering.hpp"
#include "runtime/interpreter.hpp"
#include "runtime/run/native_run.hpp"
#include "tests/emulation.hpp"
#include "tests/jit/program_builder.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::test {

using isa::Program;

inline verifier::Facts verify_full(const Program& p) {
    verifier::VerifierInput input;
    input.type = ProgramType::Mem;
    input.level = verifier::Level::Full;
    input.helpers = &helpers::HelperTable::builtin();
    input.allow_ptr_leaks = true; // the programs return pointers: both engines share the buffer
    auto facts = verifier::verify(p, input);
    INFO((facts ? std::string() : facts.error().message));
    REQUIRE(facts.has_value());
    return *facts;
}

inline size_t block_ops(const Program& p, const verifier::Facts& facts, uint64_t budget = 0) {
    const helpers::ProgramBindings bindings = test_bindings();
    jit::LoweringOptions options;
    options.bindings = &bindings;
    options.instruction_budget = budget;
    auto lowered = jit::lower(p, facts, options);
    REQUIRE(lowered.has_value());
    return lowered->block_ops.size();
}

struct Outcome {
    bool ok = false;
    uint64_t r0 = 0;
    std::string error;
    std::vector<uint8_t> bytes;
};

inline Outcome outcome(const Result<uint64_t>& r, std::span<const uint8_t> mem) {
    Outcome o;
    o.ok = r.has_value();
    if (r) o.r0 = *r;
    else o.error = fmt::format("{} (insn {})", r.error().message, r.error().insn.value_or(~0u));
    o.bytes.assign(mem.begin(), mem.end());
    return o;
}

inline void require_same(const Outcome& want, const Outcome& got) {
    REQUIRE(got.ok == want.ok);
    CHECK(got.r0 == want.r0);
    CHECK(got.error == want.error);
    REQUIRE(got.bytes.size() == want.bytes.size());
    const auto diff = std::mismatch(want.bytes.begin(), want.bytes.end(), got.bytes.begin());
    INFO("first differing byte: " << (diff.first - want.bytes.begin()));
    CHECK(diff.first == want.bytes.end());
}

inline std::vector<uint8_t> pattern(size_t size) {
    std::vector<uint8_t> bytes(size);
    uint64_t state = 0x9e3779b97f4a7c15ull ^ size;
    for (auto& b : bytes) {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        b = static_cast<uint8_t>((state * 0x2545F4914F6CDD1Dull) >> 56);
    }
    return bytes;
}

// The interpreter, the JIT with the idiom `idiom` names and the JIT without it, on one buffer reset to
// `input` before each run; all three must agree.
inline void require_idiom_agreement(const Program& p, const verifier::Facts& facts, const std::vector<uint8_t>& input,
                                    bool jit::Optimisations::*idiom, uint64_t budget = 0) {
    std::vector<uint8_t> mem = input;
    runtime::InterpreterOptions interp_options;
    interp_options.instruction_budget = 0; // the JIT charges back edges only: compared with itself below
    const Outcome interp = outcome(runtime::Interpreter(p, test_bindings(), interp_options).run_mem(mem), mem);
    const helpers::ProgramBindings bindings = test_bindings();
    jit::CompileOptions with;
    with.hardening.instruction_budget = budget;
    jit::CompileOptions without = with;
    without.optimise.*idiom = false;
    auto fast = jit::compile(p, facts, bindings, with);
    auto plain = jit::compile(p, facts, bindings, without);
    REQUIRE(fast.has_value());
    REQUIRE(plain.has_value());
    mem = input;
    const Outcome jit_plain = outcome(runtime::run_native_mem(*plain, mem), mem);
    mem = input;
    const Outcome jit_fast = outcome(runtime::run_native_mem(*fast, mem), mem);
    if (budget == 0) {
        INFO("interpreter vs JIT without the idiom");
        require_same(interp, jit_plain);
    }
    INFO("JIT without vs with the idiom");
    require_same(jit_plain, jit_fast);
    if (budget == 0) require_same(interp, jit_fast);
}

} // namespace ebpfjit::test
