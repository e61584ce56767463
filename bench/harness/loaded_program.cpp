#include "bench/harness/loaded_program.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "bench/harness/timing.hpp"
#include "ebpfjit/limits.hpp"
#include "jit/compiler.hpp"
#include "runtime/elf/loader.hpp"
#include "runtime/maps/map_factory.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::bench {

namespace {

double median_us(std::vector<double> ns) {
    std::sort(ns.begin(), ns.end());
    return ns[ns.size() / 2] / 1000.0;
}

verifier::VerifierInput input_for(const LoadedProgram& loaded, VerifyLevel level) {
    verifier::VerifierInput in;
    in.type = ProgramType::Mem;
    in.level = level == VerifyLevel::Full ? verifier::Level::Full : verifier::Level::Structural;
    in.helpers = loaded.bindings.helpers;
    for (const auto& map : loaded.maps) in.maps.push_back(map->definition());
    return in;
}

} // namespace

Result<ApiProgram> open_api_program(const std::string& object_path, const std::string& symbol, Engine engine,
                                    VerifyLevel level) {
    OpenOptions open;
    open.program_type = ProgramType::Mem; // SEC("mem") is ours, not a libbpf name
    open.engine = engine;
    auto object = Object::open(object_path, open);
    if (!object) return fail(object.error());
    ProgramOptions options;
    options.verify = level;
    auto program = object->program(symbol, options);
    if (!program) return fail(program.error());
    return ApiProgram{std::move(*object), *program};
}

Result<LoadedProgram> load_program(const std::string& object_path, const std::string& symbol) {
    runtime::elf::ReadOptions options;
    options.type_override = ProgramType::Mem;
    auto object = runtime::elf::read_object_file(object_path, options);
    if (!object) return fail(object.error());
    const runtime::elf::ProgramSpec* spec = object->find_program(symbol);
    if (!spec) return fail(Error::plain(fmt::format("{}: no program '{}'", object_path, symbol)));

    LoadedProgram loaded;
    loaded.program = spec->program;
    for (const auto& map_spec : object->maps) {
        // The figures need the maps' definitions and addresses only; global data and
        // preset slots matter to runs, which go through the Object API.
        auto map = maps::create_map(map_spec.def);
        if (!map) return fail(map.error());
        loaded.bindings.maps.push_back({map->get(), nullptr, 0});
        loaded.maps.push_back(std::move(*map));
    }
    return loaded;
}

Result<Verification> verify_program(const LoadedProgram& loaded, VerifyLevel level, int repeats) {
    Verification v;
    const auto in = input_for(loaded, level);
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
                           const jit::Optimisations& optimise) {
    // runtime/prepared_program.cpp's options for a mem program: the defaults, and its
    // instruction budget when the verifier left loops only a budget bounds (so that
    // jit-without differs from jit by the switched-off optimisations alone).
    jit::CompileOptions options;
    options.program_type = ProgramType::Mem;
    options.optimise = optimise;
    if (!facts.budget_loops.empty()) options.hardening.instruction_budget = kDefaultLoopBudget;
    std::vector<double> ns;
    std::optional<jit::CompiledProgram> kept;
    for (int i = 0; i < std::max(1, repeats); ++i) {
        const uint64_t t0 = runtime::now_ns();
        auto compiled = jit::compile(loaded.program, facts, loaded.bindings, options);
        ns.push_back(static_cast<double>(runtime::now_ns() - t0));
        if (!compiled) return fail(compiled.error());
        kept.emplace(std::move(*compiled));
    }
    // The lowering decides which slots keep a run-time check; count them.
    auto lowered = jit::lower(loaded.program, facts, jit::lowering_options(options, loaded.bindings));
    if (!lowered) return fail(lowered.error());
    Jitted j{std::move(*kept), median_us(std::move(ns)), 0, 0};
    for (const jit::LoweredSlot& slot : lowered->slots) {
        j.checked_accesses += slot.checked_access ? 1 : 0;
        j.checked_calls += slot.checked_call ? 1 : 0;
    }
    return j;
}

} // namespace ebpfjit::bench
