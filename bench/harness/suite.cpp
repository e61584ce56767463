#include "bench/harness/suite.hpp"

#include <algorithm>
#include <cstring>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "bench/harness/compare_command.hpp"
#include "bench/harness/loaded_program.hpp"
#include "ebpfjit/log.hpp"
#include "bench/harness/timing.hpp"

namespace ebpfjit::bench {

namespace {

// The names SuiteOptions::jit_without may hold (run_suite rejects others).
constexpr const char* kJitOptimisationNames[] = {"magic-division", "map-lookups", "zero-extension"};

// SuiteOptions::jit_without as the lowering's switches.
jit::Optimisations optimisations(const std::vector<std::string>& without) {
    jit::Optimisations o;
    for (const std::string& name : without) {
        if (name == "magic-division") o.magic_division = false;
        if (name == "map-lookups") o.map_lookups = false;
        if (name == "zero-extension") o.zero_extension = false;
    }
    return o;
}

runtime::TimingOptions timing_options(bool quick) {
    runtime::TimingOptions t;
    if (quick) {
        t.budget_ns = 20'000'000;
        t.target_batch_ns = 50'000;
        t.warmup_runs = 0; // the checked run before timing warms up
        t.min_batches = 1;
    }
    return t;
}

bool has(const std::vector<std::string>& engines, const char* name) {
    for (const auto& e : engines)
        if (e == name) return true;
    return false;
}

Error mismatch(const Workload& w, const std::string& engine, uint64_t got, const char* reference_name,
               uint64_t expected) {
    return Error::plain(fmt::format("{} on {}: r0 = {:#x}, but {} says {:#x}", w.name, engine, got, reference_name,
                                    expected));
}

// Times `run` (returns r0 as Result) on a private copy of the input; every timed run's
// answer must equal `expected`. The first (checked) run happens before the timer starts.
template <typename Run>
Result<Record> time_engine(const Workload& w, const std::string& engine, Run&& run, uint64_t expected,
                           const char* reference_name, bool quick) {
    std::vector<uint8_t> mem = w.input;
    std::span<uint8_t> span(mem);
    auto first = run(span);
    if (!first) return fail(Error::plain(fmt::format("{} on {}: {}", w.name, engine, first.error().to_string())));
    if (*first != expected) return fail(mismatch(w, engine, *first, reference_name, expected));

    bool wrong = false;
    uint64_t wrong_value = 0;
    auto timing = runtime::measure(
        [&] {
            auto r0 = run(span);
            if (!r0 || *r0 != expected) [[unlikely]] {
                wrong = true;
                wrong_value = r0 ? *r0 : ~0ull;
            }
        },
        timing_options(quick));
    if (wrong) return fail(mismatch(w, engine, wrong_value, reference_name, expected));

    Record r;
    r.program = w.name;
    r.engine = engine;
    r.kind = w.kind;
    r.ns_per_run_median = timing.median_ns;
    r.ns_per_run_min = timing.min_ns;
    r.runs = timing.runs;
    r.ops_per_run = w.ops_per_run;
    r.result = expected;
    return r;
}

struct ProgramEngines {
    LoadedProgram for_interp;
    LoadedProgram for_jit;
    Verification verification;
    std::optional<Jitted> jitted;
};

Result<ProgramEngines> prepare(const Workload& w, bool quick, bool try_full) {
    auto interp_side = load_program(w.object_path, w.symbol);
    if (!interp_side) return fail(interp_side.error());
    auto jit_side = load_program(w.object_path, w.symbol);
    if (!jit_side) return fail(jit_side.error());
    const int repeats = quick ? 1 : 5;
    auto verification = verify_program(*jit_side, w.structural_verification && !try_full, repeats);
    if (!verification) return fail(Error::plain(fmt::format("{}: {}", w.name, verification.error().to_string())));
    ProgramEngines engines{std::move(*interp_side), std::move(*jit_side), std::move(*verification), std::nullopt};
    return engines;
}

Result<void> run_workload(const Workload& w, const SuiteOptions& options, std::vector<Record>& out) {
    logger().info("bench: {}", w.name);
    auto engines = prepare(w, options.quick, options.try_full);
    if (!engines) return fail(engines.error());
    auto& e = *engines;

    // The reference answer: native for the suite, the interpreter (the oracle) for maps.
    uint64_t expected = 0;
    const char* reference_name = "native";
    std::unique_ptr<runtime::Interpreter> interpreter = interpret_program(e.for_interp);
    auto run_interp = [&](std::span<uint8_t> mem) { return interpreter->run_mem(mem); };
    if (w.kind == WorkloadKind::Suite) {
        std::vector<uint8_t> mem = w.input;
        expected = w.native(mem.data(), mem.size());
    } else {
        // Warm-up run first: map benchmarks reach their steady state after one run.
        std::vector<uint8_t> mem = w.input;
        if (auto warm = run_interp(mem); !warm) return fail(warm.error());
        auto r0 = run_interp(mem);
        if (!r0) return fail(Error::plain(fmt::format("{} on interp: {}", w.name, r0.error().to_string())));
        expected = *r0;
        reference_name = "interp";
    }

    const uint64_t insns = e.for_jit.program.size();
    if (has(options.engines, "interp")) {
        auto r = time_engine(w, "interp", run_interp, expected, reference_name, options.quick);
        if (!r) return fail(r.error());
        r->verify_us = e.verification.verify_us;
        r->verify_level = e.verification.level;
        r->bpf_insns = insns;
        out.push_back(std::move(*r));
    }
    if (has(options.engines, "jit")) {
        auto jitted = jit_program(e.for_jit, e.verification.facts, options.quick ? 1 : 5, optimisations(options.jit_without),
                                  e.verification.level == "structural");
        if (!jitted) return fail(Error::plain(fmt::format("{}: {}", w.name, jitted.error().to_string())));
        const jit::CompiledProgram& code = jitted->code;
        if (w.kind == WorkloadKind::Map) {
            std::vector<uint8_t> mem = w.input;
            if (auto warm = code.run_mem(mem); !warm) return fail(warm.error());
        }
        auto r = time_engine(w, "jit", [&](std::span<uint8_t> mem) { return code.run_mem(mem); }, expected,
                             reference_name, options.quick);
        if (!r) return fail(r.error());
        r->compile_us = jitted->compile_us;
        r->verify_us = e.verification.verify_us;
        r->verify_level = e.verification.level;
        r->code_bytes = code.code_size();
        r->bpf_insns = insns;
        out.push_back(std::move(*r));
    }
    if (w.kind == WorkloadKind::Suite && has(options.engines, "native")) {
        auto run_native = [&](std::span<uint8_t> mem) -> Result<uint64_t> { return w.native(mem.data(), mem.size()); };
        auto r = time_engine(w, "native", run_native, expected, reference_name, options.quick);
        if (!r) return fail(r.error());
        out.push_back(std::move(*r));
    }
    if (w.kind == WorkloadKind::Suite && !options.compare_cmd.empty()) {
        auto r = run_compare_command(options.compare_cmd, w, options.compare_input_dir, expected, options.quick ? 3 : 10);
        if (!r) return fail(r.error());
        out.push_back(std::move(*r));
    }
    return {};
}

} // namespace

Result<std::vector<Record>> run_suite(const SuiteOptions& options) {
    for (const auto& e : options.engines)
        if (e != "interp" && e != "jit" && e != "native")
            return fail(Error::plain(fmt::format("unknown engine '{}' (interp, jit, native)", e)));
    for (const auto& name : options.jit_without)
        if (std::find_if(std::begin(kJitOptimisationNames), std::end(kJitOptimisationNames),
                         [&](const char* known) { return name == known; }) == std::end(kJitOptimisationNames))
            return fail(Error::plain(fmt::format("unknown JIT optimisation '{}' ({})", name,
                                                 fmt::join(kJitOptimisationNames, ", "))));
    auto set = load_workloads(options.programs_dir, options.filter);
    if (!set) return fail(set.error());
    std::vector<Record> records;
    for (const Workload& w : set->workloads)
        if (auto ok = run_workload(w, options, records); !ok) return fail(ok.error());
    return records;
}

} // namespace ebpfjit::bench
