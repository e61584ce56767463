// Verifier soundness: every program verify(level Full) accepts must run in the bounds-
// checked interpreter without a single out-of-region access, on inputs of any size, and
// finish within the budget the verifier implied (its processed-instruction count: each
// concrete step is one step of some explored path; a loop the loop pass proved has no
// such bound and may exhaust a fixed budget). Any escape is a verifier bug.
//
// Fuzz bytes: byte 0 picks the mode (bit 0 clear: raw instruction words, set: a structured
// program from the hostile generator; bit 1 set: the privileged rules, allow_ptr_leaks,
// under which pruning lets more stack bytes cover spilled pointers); byte 1 seeds the
// input sizes; the rest is the program.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <linux/bpf.h>

#include "helpers/helper_table.hpp"
#include "helpers/program_bindings.hpp"
#include "isa/decoder.hpp"
#include "isa/disassembler.hpp"
#include "runtime/interpreter.hpp"
#include "runtime/maps/map_factory.hpp"
#include "support/program_generator.hpp"
#include "verifier/verifier.hpp"

using namespace ebpfjit;

namespace {

constexpr uint64_t kFuzzComplexityLimit = 100'000;

std::vector<maps::MapDefinition> map_definitions() {
    std::vector<maps::MapDefinition> defs(2);
    defs[0].type = BPF_MAP_TYPE_ARRAY;
    defs[1].type = BPF_MAP_TYPE_HASH;
    for (auto& d : defs) d.key_size = 4, d.value_size = 8;
    defs[0].max_entries = 4;
    defs[1].max_entries = 8;
    return defs;
}

[[noreturn]] void escape(const isa::Program& program, size_t input_size, const std::string& what) {
    std::fprintf(stderr, "fuzz_verifier_soundness: accepted program escaped with a %zu-byte input: %s\n%s\n",
                 input_size, what.c_str(), isa::disassemble(program).c_str());
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    const bool structured = data[0] & 1;
    const uint8_t size_seed = data[1];
    const std::span<const uint8_t> rest(data + 2, size - 2);

    isa::Program program;
    if (structured) {
        fuzz::GeneratorOptions options;
        options.hostile = true;
        program = fuzz::generate_program(rest, options);
    } else {
        auto decoded = isa::decode_bytes(rest);
        if (!decoded) return 0;
        program = std::move(*decoded);
    }

    static const auto defs = map_definitions();
    verifier::VerifierInput input;
    input.type = ProgramType::Mem;
    input.level = verifier::Level::Full;
    input.maps = defs;
    input.helpers = &helpers::HelperTable::builtin();
    input.allow_ptr_leaks = data[0] & 2; // memory safety holds either way
    // A tenth of the kernel's budget: programs near the full 1,000,000 processed
    // instructions take 1-2.5 s each (15-20 s in the ASan fuzz build), which libFuzzer
    // reports as timeouts and which starves the search; loops still verify well within it.
    input.complexity_limit = kFuzzComplexityLimit;
    const verifier::Report report = verifier::check(program, input);
    if (!report.ok()) return 0;

    // Inputs of several sizes: empty, tiny, the generator's 64 bytes, larger.
    const size_t sizes[] = {0, size_t(size_seed % 16), fuzz::kInputSize, 64 + size_t(size_seed)};
    for (size_t input_size : sizes) {
        std::vector<std::unique_ptr<maps::Map>> made;
        helpers::ProgramBindings bindings;
        for (const auto& d : defs) {
            auto m = maps::create_map(d);
            if (!m) std::abort();
            bindings.maps.push_back(helpers::MapBinding{m->get(), nullptr, 0});
            made.push_back(std::move(*m));
        }
        std::vector<uint8_t> mem(input_size);
        for (size_t i = 0; i < mem.size(); ++i) mem[i] = static_cast<uint8_t>(size_seed * 31 + i * 7);
        runtime::InterpreterOptions options;
        options.program_type = ProgramType::Mem;
        // The walk's count bounds every concrete run, and so does the run length the loop
        // pass proved from ranked loops (checked up to a cap: a run that exceeds a bound
        // below it is a finding); a loop the loop pass proved memory safe but left to the
        // budget may run out of any budget instead.
        constexpr uint64_t kCap = 1'000'000;
        const bool budget_loops = !report.facts.budget_loops.empty();
        const uint64_t bound =
            report.facts.ranked_loops.empty() ? report.stats.processed_insns : report.facts.run_length_bound;
        const bool may_stop = budget_loops || bound >= kCap;
        options.instruction_budget = budget_loops ? kCap : std::min(bound + 1, kCap);
        auto r0 = runtime::Interpreter(program, bindings, options).run_mem(mem);
        if (!r0 && !(may_stop && r0.error().message.starts_with("instruction budget of")))
            escape(program, input_size, r0.error().to_string());
    }
    return 0;
}
