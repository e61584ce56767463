// Programs for the callback tests, written in the conformance assembly with two test-only
// pseudo-instructions the assembler lacks (each expands to an LDDW):
//   ldfunc %rN, label   ->  LDDW src 4 (code address of `label`, a callback subprogram)
//   ldmap  %rN, K       ->  LDDW src 1 (the map bound at index K)
// and runners for both engines.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <regex>
#include <span>
#include <string>
#include <vector>

#include "isa/assembler.hpp"
#include "isa/decoder.hpp"
#include "jit/compiler.hpp"
#include "runtime/interpreter.hpp"
#include "runtime/maps/map.hpp"
#include "runtime/maps/map_factory.hpp"
#include "verifier/facts.hpp"
#include "verifier/verifier.hpp"
#include "runtime/run/native_run.hpp"

namespace ebpfjit::test {

// Markers in the second of the two placeholder slots (mov %rN, marker).
inline constexpr int32_t kFuncMarker = 0x7ca11bac;
inline constexpr int32_t kMapMarker = 0x7aa11bac;

inline isa::Program program(const std::string& text) {
    // ldfunc: `call local label` gives the offset from the next slot, which is what LDDW
    // src 4 holds; ldmap: `mov %rN, K` carries the index.
    std::string source = std::regex_replace(text, std::regex(R"(ldfunc %r(\d+), (\w+))"),
                                            "call local $2\nmov %r$1, " + std::to_string(kFuncMarker));
    source = std::regex_replace(source, std::regex(R"(ldmap %r(\d+), (\d+))"),
                                "mov %r$1, $2\nmov %r$1, " + std::to_string(kMapMarker));
    auto raw = isa::assemble_raw(source);
    if (!raw) FAIL("assemble: " << raw.error().message);
    std::vector<isa::RawInsn> words = *raw;
    for (size_t i = 0; i + 1 < words.size(); ++i) {
        isa::RawInsn& second = words[i + 1];
        if (second.opcode != 0xb7 || (second.imm != kFuncMarker && second.imm != kMapMarker)) continue;
        const auto dst = second.dst;
        const int32_t imm = words[i].imm;
        words[i] = isa::RawInsn{0x18, dst, static_cast<uint8_t>(second.imm == kFuncMarker ? 4 : 1), 0, imm};
        second = isa::RawInsn{0, 0, 0, 0, 0};
    }
    auto decoded = isa::decode(words);
    if (!decoded) FAIL("decode: " << decoded.error().message);
    return *decoded;
}

inline std::unique_ptr<maps::Map> make_map(uint32_t type, uint32_t key_size, uint32_t value_size,
                                           uint32_t max_entries) {
    maps::MapDefinition def;
    def.type = type;
    def.key_size = key_size;
    def.value_size = value_size;
    def.max_entries = max_entries;
    def.name = "test";
    auto map = maps::create_map(def);
    REQUIRE(map);
    return std::move(*map);
}

inline helpers::ProgramBindings bindings(std::vector<maps::Map*> maps = {}) {
    helpers::ProgramBindings b;
    for (maps::Map* m : maps) b.maps.push_back(helpers::MapBinding{m, nullptr, 0});
    return b;
}

inline Result<uint64_t> run_interpreter(const isa::Program& p, const helpers::ProgramBindings& b,
                                        uint64_t budget = 0) {
    runtime::InterpreterOptions options;
    options.instruction_budget = budget;
    std::vector<uint8_t> mem(8);
    return runtime::Interpreter(p, b, options).run_mem(mem);
}

inline Result<uint64_t> run_jit(const isa::Program& p, const helpers::ProgramBindings& b) {
    auto compiled = jit::compile(p, verifier::Facts{}, b);
    if (!compiled) return fail(compiled.error());
    std::vector<uint8_t> mem(8);
    return runtime::run_native_mem(*compiled, mem);
}

// The verifier's verdict at Full on a mem program (r1 = 8-byte buffer) whose LDDW map
// indices name `maps`: the log's headline when rejected, "" when accepted.
inline std::string verify_full(const isa::Program& p, std::vector<const maps::Map*> maps = {}) {
    verifier::VerifierInput in;
    in.type = ProgramType::Mem;
    in.helpers = &helpers::HelperTable::builtin();
    for (const maps::Map* m : maps) in.maps.push_back(m->definition());
    verifier::Report r = verifier::check(p, in);
    return r.ok() ? std::string() : r.rejection->headline;
}

// A value both engines must agree on; returns it.
inline uint64_t run_both(const isa::Program& p, const helpers::ProgramBindings& b) {
    auto interp = run_interpreter(p, b);
    if (!interp) FAIL("interpreter: " << interp.error().message);
    auto jitted = run_jit(p, b);
    if (!jitted) FAIL("jit: " << jitted.error().message);
    CHECK(*interp == *jitted);
    return *interp;
}

// A run that must fail, with `says` in its message.
inline void check_refused(const Result<uint64_t>& r, const std::string& says) {
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains(says));
}

// Both engines refuse `p`, each in its own words.
inline void check_both_refuse(const isa::Program& p, const helpers::ProgramBindings& b,
                              const std::string& interpreter_says, const std::string& jit_says) {
    check_refused(run_interpreter(p, b), interpreter_says);
    check_refused(run_jit(p, b), jit_says);
}

} // namespace ebpfjit::test
