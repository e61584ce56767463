#include "bench/harness/loaded_program.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "jit/compiler.hpp"
#include "runtime/elf/loader.hpp"
#include "runtime/maps/map_factory.hpp"
#include "bench/harness/timing.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::bench {

namespace {

double median_us(std::vector<double> ns) {
    std::sort(ns.begin(), ns.end());
    return ns[ns.size() / 2] / 1000.0;
}

verifier::VerifierInput input_for(const LoadedProgram& loaded, verifier::Level level) {
    verifier::VerifierInput in;
    in.type = ProgramType::Mem;
    in.level = level;
    in.helpers = loaded.bindings.helpers;
    for (const auto& map : loaded.maps) in.maps.push_back(map->definition());
    return in;
}

} // namespace

Result<LoadedProgram> load_program(const std::string& object_path, const std::string& symbol) {
    runtime::elf::ReadOptions options;
    options.type_override = ProgramType::Mem; // SEC("mem") is ours, not a libbpf name
    auto object = runtime::elf::read_object_file(object_path, options);
    if (!object) return fail(object.error());
    const runtime::elf::ProgramSpec* spec = object->find_program(symbol);
    if (!spec) return fail(Error::plain(fmt::format("{}: no program '{}'", object_path, symbol)));

    LoadedProgram loaded;
    loaded.program = spec->program;
    for (const auto& map_spec : object->maps) {
        // The benchmarks use plain maps; global data and preset slots need the Object API.
        if (map_spec.origin == runtime::elf::MapOrigin::GlobalData || !map_spec.initial_programs.empty() ||
            !map_spec.initial_maps.empty())
            return fail(Error::plain(fmt::format("{}: map '{}' needs initialisation the bench loader does not do",
                                                 object_path, map_spec.def.name)));
        auto map = maps::create_map(map_spec.def);
        if (!map) return fail(map.error());
        loaded.bindings.maps.push_back({map->get(), nullptr, 0});
        loaded.maps.push_back(std::move(*map));
    }
    return loaded;
}

Result<Verification> verify_program(const LoadedProgram& loaded, bool structural, int repeats) {
    Verification v;
    if (!structural) {
        // A loop the full verifier cannot bound within 1M processed instructions (its
        // state pruning does not converge on it) falls back to structural checks; the
        // report shows the level each program ran at. Any other rejection is an error.
        verifier::Report full = verifier::check(loaded.program, input_for(loaded, verifier::Level::Full));
        if (!full.ok() && full.rejection->reason != verifier::Reason::ComplexityLimit) return fail(full.error());
        structural = !full.ok();
    }
    v.level = structural ? "structural" : "full";
    const auto in = input_for(loaded, structural ? verifier::Level::Structural : verifier::Level::Full);
    std::vector<double> ns;
    verifier::Report report;
    for (int i = 0; i < std::max(1, repeats); ++i) {
        const uint64_t t0 = runtime::now_ns();
        report = verifier::check(loaded.program, in);
        ns.push_back(static_cast<double>(runtime::now_ns() - t0));
        if (!report.ok()) return fail(report.error());
    }
    v.verify_us = median_us(std::move(ns));
    v.processed = report.stats.processed_insns;
    v.facts = std::move(report.facts);
    return v;
}

Result<Jitted> jit_program(const LoadedProgram& loaded, const verifier::Facts& facts, int repeats,
                           const jit::Optimisations& optimise, bool trusted) {
    std::vector<double> ns;
    std::optional<jit::CompiledProgram> kept;
    for (int i = 0; i < std::max(1, repeats); ++i) {
        const uint64_t t0 = runtime::now_ns();
        jit::CompileOptions options;
        options.optimise = optimise;
        options.trusted = trusted;
        auto compiled = jit::compile(loaded.program, facts, loaded.bindings, options);
        ns.push_back(static_cast<double>(runtime::now_ns() - t0));
        if (!compiled) return fail(compiled.error());
        kept.emplace(std::move(*compiled));
    }
    return Jitted{std::move(*kept), median_us(std::move(ns))};
}

std::unique_ptr<runtime::Interpreter> interpret_program(const LoadedProgram& loaded) {
    runtime::InterpreterOptions options;
    options.program_type = ProgramType::Mem;
    return std::make_unique<runtime::Interpreter>(loaded.program, loaded.bindings, options);
}

} // namespace ebpfjit::bench
