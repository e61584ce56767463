// See loop_reach.hpp.
#include "loop_reach.hpp"

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include <linux/bpf.h>

#include "runtime/context/rewrite_ctx_access.hpp"
#include "runtime/maps/prog_array.hpp"
#include "verifier/verifier.hpp"
#include "pipeline_env.hpp"
#include "pipeline_generator.hpp"

namespace ebpfjit::fuzz {

namespace {

// The instructions the interpreter runs for `programs` on `in` (the tail program in slot
// 0 of the prog array, as run_pipeline installs it; its instructions count too, the
// interpreter continues into it), or nullopt: the main program rejected, a fault, or more
// than kMaxCountedInstructions.
std::optional<uint64_t> count_instructions(const Input& in, const PipelinePrograms& programs) {
    const runtime::elf::ObjectDescription description = describe_maps();
    auto object = runtime::create_object_maps(description, nullptr);
    if (!object) std::abort();
    std::vector<maps::MapDefinition> definitions;
    for (const auto& spec : description.maps) definitions.push_back(spec.def);

    runtime::PrepareOptions options;
    options.engine = Engine::Interpreter; // no native code needed to count
    options.verify = VerifyLevel::Full;
    options.complexity_limit = kFuzzComplexityLimit;

    const auto [main_spec, tail_spec] = specs_of(programs, in.type);
    auto tail = runtime::PreparedProgram::prepare(tail_spec, object->bindings, definitions, options);
    if (tail) {
        auto* progs = maps::as_prog_array(object->maps[kPipelineProgArray].get());
        const engine_abi::ProgramEntry* entry = (*tail)->tail_call_entry();
        const uint32_t slot = 0;
        if (!progs || progs->update(&slot, &entry, BPF_ANY) != 0) std::abort();
    }
    // The main program as PreparedProgram makes it (verify, then the ctx rewrite, which
    // moves no slot), for one bare interpreter per budget tried.
    const verifier::Report verdict =
        verifier::check(main_spec.program, runtime::verifier_input(main_spec, object->bindings, definitions, options));
    if (!verdict.ok()) return std::nullopt;
    isa::Program program = main_spec.program;
    if (in.type != ProgramType::Mem) {
        auto rewritten = runtime::rewrite_ctx_access(main_spec.program, in.type, verdict.facts);
        if (!rewritten) return std::nullopt;
        program = std::move(*rewritten);
    }
    // 1: finished within `budget`; 0: stopped by it; -1: any other error.
    auto finishes = [&](uint64_t budget) {
        runtime::Interpreter interpreter(program, object->bindings, {budget, in.type});
        const Outcome out = run_on(Exec{.bare = &interpreter}, in, *object);
        if (out.error.empty()) return 1;
        return out.error.find("instruction budget of") != std::string::npos ? 0 : -1;
    };
    uint64_t stopped = 0, done = 256; // budget 0 means none: the search starts at 1
    for (;;) {
        const int r = finishes(done);
        if (r < 0) return std::nullopt;
        if (r == 1) break;
        if (done >= kMaxCountedInstructions) return std::nullopt;
        stopped = done, done *= 2;
    }
    while (done - stopped > 1) { // finishes(stopped) is false (or stopped is 0), finishes(done) true
        const uint64_t mid = stopped + (done - stopped) / 2;
        const int r = finishes(mid);
        if (r < 0) return std::nullopt;
        (r == 1 ? done : stopped) = mid;
    }
    return done;
}

} // namespace

std::vector<LoopReach> measure_loop_reach(std::span<const uint8_t> bytes, uint32_t kinds) {
    const Input in = parse(bytes.data(), bytes.size());
    if (!in.loops) return {};
    const PipelinePrograms base = generate_pipeline_programs(in.program_bytes, in.type, in.hostile, true);
    std::vector<LoopReach> out;
    for (uint32_t feature : base.loops) out.push_back(LoopReach{feature, -1});
    if (out.empty()) return out;
    const std::optional<uint64_t> plain = count_instructions(in, base);
    if (!plain) return out;
    for (size_t k = 0; k < out.size(); ++k) {
        if (!(out[k].feature & kinds)) continue;
        const PipelinePrograms probed =
            generate_pipeline_programs(in.program_bytes, in.type, in.hostile, true, int(k));
        const std::optional<uint64_t> with_probe = count_instructions(in, probed);
        if (with_probe && *with_probe >= *plain) out[k].body_runs = int64_t(*with_probe - *plain);
    }
    return out;
}

uint32_t reached_loop_features(const std::vector<LoopReach>& loops) {
    uint32_t reached = 0;
    for (const LoopReach& loop : loops)
        if (loop.body_runs >= 2) reached |= loop.feature;
    return reached;
}

} // namespace ebpfjit::fuzz
