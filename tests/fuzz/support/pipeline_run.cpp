// The whole-pipeline run behind fuzz_pipeline_soundness (see that file for the input
// format and the oracle): generate, prepare through runtime::PreparedProgram (verify Full,
// ctx rewrite, JIT), run on the interpreter and the JIT, compare. Shared with the seed
// maker (make_pipeline_seeds.cpp), which must not abort on a finding.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <linux/bpf.h>

#include "isa/disassembler.hpp"
#include "runtime/maps/prog_array.hpp"
#include "runtime/object_maps.hpp"
#include "runtime/prepared_program.hpp"
#include "verifier/verifier.hpp"
#include "pipeline_env.hpp"
#include "pipeline_generator.hpp"
#include "pipeline_run.hpp"

namespace ebpfjit::fuzz {

namespace {

std::string describe(const char* what, const Input& in, const runtime::elf::ProgramSpec& main,
                     const runtime::elf::ProgramSpec& tail, bool tail_installed, const Outcome& interp,
                     const Outcome* jit) {
    std::string out = fmt::format("FINDING: {} ({} program, {}-byte packet{})\n", what, to_string(in.type),
                                  in.packet.size(), in.blind ? ", blinded JIT" : "");
    out += fmt::format("  interp: r0={:#x} error='{}'\n", interp.r0, interp.error);
    if (jit) out += fmt::format("  jit:    r0={:#x} error='{}'\n", jit->r0, jit->error);
    if (jit && jit->packet != interp.packet)
        out += fmt::format("  packet after the interpreter: {:02x}\n  packet after the JIT:         {:02x}\n",
                           fmt::join(interp.packet, " "), fmt::join(jit->packet, " "));
    out += "main program (as verified):\n" + isa::disassemble(main.program) + "\n";
    if (tail_installed) out += "tail program (prog array slot 0):\n" + isa::disassemble(tail.program) + "\n";
    return out;
}

} // namespace

PipelineResult run_pipeline(std::span<const uint8_t> bytes) {
    const uint8_t* data = bytes.data();
    const size_t size = bytes.size();
    PipelineResult result;
    const Input in = parse(data, size);
    const PipelinePrograms programs = generate_pipeline_programs(in.program_bytes, in.type, in.hostile, in.loops);
    result.type = in.type;
    result.features = programs.features;

    const runtime::elf::ObjectDescription description = describe_maps();
    auto object = runtime::create_object_maps(description, nullptr); // no pinning
    if (!object) std::abort();
    std::vector<maps::MapDefinition> definitions;
    for (const auto& spec : description.maps) definitions.push_back(spec.def);

    runtime::PrepareOptions options;
    options.engine = Engine::Jit;
    options.verify = VerifyLevel::Full;
    options.hardening.blind_constants = in.blind;
    options.complexity_limit = kFuzzComplexityLimit;

    const auto [main_spec, tail_spec] = specs_of(programs, in.type);

    // The tail program first, as Object::open prepares prog-array targets before anything runs.
    auto tail = runtime::PreparedProgram::prepare(tail_spec, object->bindings, definitions, options);
    auto* progs = maps::as_prog_array(object->maps[kPipelineProgArray].get());
    if (!progs) std::abort();
    if (tail) {
        const engine_abi::ProgramEntry* entry = (*tail)->tail_call_entry();
        const uint32_t slot = 0;
        if (progs->update(&slot, &entry, BPF_ANY) != 0) std::abort();
    }
    // The verifier's verdict once, with what PreparedProgram gives it: a rejection ends the
    // input (verifying a loop-pass program is the costly part of an input).
    const verifier::Report verdict =
        verifier::check(main_spec.program, runtime::verifier_input(main_spec, object->bindings, definitions, options));
    if (!verdict.ok()) {
        result.rejection = verdict.error().message;
        return result;
    }
    // A loop the loop pass proved memory safe but not terminating runs under the default
    // instruction budget (2^32): far too long for a fuzz input. Such programs run under a
    // small one, and a run it stops is no finding (docs/loop-verification.md). So do ranked
    // loops: proven to end within 2^32 instructions, as long (fuzz_verifier_soundness checks
    // their bound on mem programs, where no tail call adds to a run).
    const bool budget_loops = !verdict.facts.budget_loops.empty() || !verdict.facts.ranked_loops.empty();
    if (budget_loops) options.hardening.instruction_budget = kLoopBudget;
    auto main = runtime::PreparedProgram::prepare(main_spec, object->bindings, definitions, options);
    if (!main) {
        // Refused after the verifier accepted it (by the ctx rewrite or the JIT): an embedder
        // cannot run a program the verifier proved safe.
        result.rejection = main.error().message;
        result.finding = fmt::format("FINDING: the verifier accepts the program but preparing it failed: {} "
                                     "({} program)\nmain program (as verified):\n{}\n",
                                     main.error().to_string(), to_string(in.type),
                                     isa::disassemble(main_spec.program));
        return result;
    }
    result.verified = true;

    const Outcome interp = run_on(Exec{main->get(), Engine::Interpreter}, in, *object);
    auto budget_stop = [&](const Outcome& o) { return budget_loops && o.error.find("instruction budget of") != std::string::npos; };
    if (budget_stop(interp)) return result; // (the JIT charges back edges, not instructions)
    if (!interp.error.empty()) {
        result.finding = describe("a verified program faulted in the interpreter", in, main_spec, tail_spec,
                                  bool(tail), interp, nullptr);
        return result;
    }
    const Outcome jit = run_on(Exec{main->get(), Engine::Jit}, in, *object);
    if (budget_stop(jit)) return result;
    const char* what = nullptr;
    if (!jit.error.empty()) what = "the JIT failed where the interpreter did not";
    else if (jit.r0 != interp.r0) what = "r0 differs between the interpreter and the JIT";
    else if (jit.redirect != interp.redirect) what = "the redirect port differs";
    else if (jit.packet != interp.packet) what = "the packet differs";
    else if (jit.meta != interp.meta) what = "the XDP metadata differs";
    else if (jit.ctx != interp.ctx) what = "the skb's ctx fields differ";
    else if (jit.array != interp.array) what = "the array map differs";
    else if (jit.hash != interp.hash) what = "the hash map differs";
    if (what) result.finding = describe(what, in, main_spec, tail_spec, bool(tail), interp, &jit);
    return result;
}

} // namespace ebpfjit::fuzz

