#include "bench/harness/suite.hpp"

#include <algorithm>
#include <cstring>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "bench/harness/compare_command.hpp"
#include "bench/harness/loaded_program.hpp"
#include "bench/harness/peers.hpp"
#include "ebpfjit/ebpfjit.h"
#include "ebpfjit/log.hpp"
#include "bench/harness/timing.hpp"
#include "runtime/run/native_run.hpp"

namespace ebpfjit::bench {

namespace {

// The names SuiteOptions::jit_without may hold (run_suite rejects others).
constexpr const char* kJitOptimisationNames[] = {"magic-division", "map-lookups", "zero-extension", "block-idioms", "compare-idioms", "narrow-division", "hoisted-checks", "budget-register"};

// SuiteOptions::jit_without as the lowering's switches.
jit::Optimisations optimisations(const std::vector<std::string>& without) {
    jit::Optimisations o;
    for (const std::string& name : without) {
        if (name == "magic-division") o.magic_division = false;
        if (name == "map-lookups") o.map_lookups = false;
        if (name == "zero-extension") o.zero_extension = false;
        if (name == "block-idioms") o.block_idioms = false;
        if (name == "compare-idioms") o.compare_idioms = false;
        if (name == "narrow-division") o.narrow_division = false;
        if (name == "hoisted-checks") o.hoisted_checks = false;
        if (name == "budget-register") o.budget_register = false;
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

Record unavailable_record(const Workload& w, const std::string& engine, std::string why) {
    Record r;
    r.program = w.name;
    r.engine = engine;
    r.kind = w.kind;
    r.ops_per_run = w.ops_per_run;
    r.unavailable = std::move(why);
    return r;
}

// The verifier's reason (instruction, message, source line) on one table-friendly line.
std::string one_line(const Error& e) {
    std::string text = e.to_string();
    if (auto nl = text.find('\n'); nl != std::string::npos) text.resize(nl);
    return text;
}

// How the program is verified: full if the full verifier accepts it (what users get by
// default); else structural with run-time checks if the user asked for the fallback;
// else refused.
struct Level {
    std::optional<VerifyLevel> level; // nullopt: refused
    std::string full_refusal;         // the full verifier's reason, when it refused
    std::optional<ApiProgram> jit;    // opened at `level` for the JIT engine
};

Result<Level> choose_level(const Workload& w, bool structural_fallback) {
    Level l;
    auto full = open_api_program(w.object_path, w.symbol, Engine::Jit, VerifyLevel::Full);
    if (full) {
        l.level = VerifyLevel::Full;
        l.jit.emplace(std::move(*full));
        return l;
    }
    l.full_refusal = one_line(full.error());
    if (!structural_fallback) return l;
    auto structural = open_api_program(w.object_path, w.symbol, Engine::Jit, VerifyLevel::Structural);
    if (!structural)
        return fail(Error::plain(fmt::format("{}: refused at structural level too: {}", w.name,
                                             structural.error().to_string())));
    l.level = VerifyLevel::Structural;
    l.jit.emplace(std::move(*structural));
    return l;
}

const char* level_name(const Level& l) {
    if (!l.level) return "refused";
    return *l.level == VerifyLevel::Full ? "full" : "structural";
}

const char* termination_of(const verifier::Facts& f) {
    if (!f.budget_loops.empty()) return "budget";
    return f.ranked_loops.empty() ? "walked" : "ranked";
}

void describe(Record& r, const Level& l, const Verification* v) {
    r.verify_level = level_name(l);
    r.full_refusal = l.full_refusal;
    if (v) r.verify_us = v->verify_us;
    if (v && l.level && *l.level == VerifyLevel::Full) r.termination = termination_of(v->facts);
}

Result<void> run_peers(const Workload& w, uint64_t expected, bool quick, std::vector<Record>& out) {
    RteBpfProgram rte = load_rte_bpf(w);
    if (!rte.unavailable.empty()) {
        out.push_back(unavailable_record(w, "rte_bpf", rte.unavailable));
    } else {
        auto entry = rte.entry;
        auto r = time_engine(w, "rte_bpf", [&](std::span<uint8_t> mem) -> Result<uint64_t> {
            return entry(mem.data(), mem.size());
        }, expected, "native", quick);
        if (!r) return fail(r.error());
        out.push_back(std::move(*r));
    }
    auto kernel = run_kernel_peer(w, expected, quick);
    if (!kernel) return fail(kernel.error());
    out.push_back(std::move(*kernel));
    return {};
}

Result<void> run_workload(const Workload& w, const SuiteOptions& options, std::vector<Record>& out) {
    logger().info("bench: {}", w.name);
    auto level = choose_level(w, options.structural_fallback);
    if (!level) return fail(level.error());
    const int repeats = options.quick ? 1 : 5;

    // Figures beside the runs: verify and compile times at the chosen level, code size,
    // and the run-time checks the JIT kept (none when the full verifier proved it all).
    std::optional<LoadedProgram> loaded;
    std::optional<Verification> verification;
    std::optional<Jitted> jitted;
    if (level->level) {
        auto l = load_program(w.object_path, w.symbol);
        if (!l) return fail(l.error());
        loaded.emplace(std::move(*l));
        auto v = verify_program(*loaded, *level->level, repeats);
        if (!v) return fail(Error::plain(fmt::format("{}: {}", w.name, v.error().to_string())));
        verification.emplace(std::move(*v));
        auto j = jit_program(*loaded, verification->facts, repeats);
        if (!j) return fail(Error::plain(fmt::format("{}: {}", w.name, j.error().to_string())));
        jitted.emplace(std::move(*j));
    }
    const Verification* v = verification ? &*verification : nullptr;

    // The interpreter: its own object (its own maps), prepared at the same level.
    std::optional<ApiProgram> interp;
    if (level->level) {
        auto opened = open_api_program(w.object_path, w.symbol, Engine::Interpreter, *level->level);
        if (!opened) return fail(Error::plain(fmt::format("{} on interp: {}", w.name, opened.error().to_string())));
        interp.emplace(std::move(*opened));
    }
    auto run_interp = [&](std::span<uint8_t> mem) { return interp->program.run(mem); };

    // The reference answer: native for the suite, the interpreter (the oracle) for maps.
    uint64_t expected = 0;
    const char* reference_name = "native";
    if (w.kind == WorkloadKind::Suite) {
        std::vector<uint8_t> mem = w.input;
        expected = w.native(mem.data(), mem.size());
    } else if (interp) {
        // Warm-up run first: map benchmarks reach their steady state after one run.
        std::vector<uint8_t> mem = w.input;
        if (auto warm = run_interp(mem); !warm) return fail(warm.error());
        auto r0 = run_interp(mem);
        if (!r0) return fail(Error::plain(fmt::format("{} on interp: {}", w.name, r0.error().to_string())));
        expected = *r0;
        reference_name = "interp";
    }

    const std::string refused = "refused: " + level->full_refusal;
    const uint64_t insns = loaded ? loaded->program.size() : 0;
    if (has(options.engines, "interp")) {
        if (!interp) {
            Record r = unavailable_record(w, "interp", refused);
            describe(r, *level, v);
            out.push_back(std::move(r));
        } else {
            auto r = time_engine(w, "interp", run_interp, expected, reference_name, options.quick);
            if (!r) return fail(r.error());
            describe(*r, *level, v);
            r->bpf_insns = insns;
            out.push_back(std::move(*r));
        }
    }
    if (has(options.engines, "jit")) {
        if (!level->jit) {
            Record r = unavailable_record(w, "jit", refused);
            describe(r, *level, v);
            out.push_back(std::move(r));
        } else {
            const Program& program = level->jit->program;
            if (w.kind == WorkloadKind::Map) {
                std::vector<uint8_t> mem = w.input;
                if (auto warm = program.run(mem); !warm) return fail(warm.error());
            }
            auto r = time_engine(w, "jit", [&](std::span<uint8_t> mem) { return program.run(mem); }, expected,
                                 reference_name, options.quick);
            if (!r) return fail(r.error());
            describe(*r, *level, v);
            r->compile_us = jitted->compile_us;
            r->code_bytes = jitted->code.code_size();
            r->checked_accesses = jitted->checked_accesses;
            r->checked_calls = jitted->checked_calls;
            r->bpf_insns = insns;
            out.push_back(std::move(*r));
        }
    }
    if (w.kind == WorkloadKind::Suite && has(options.engines, "jit") && level->level) {
        // The same through the C API (include/ebpfjit/ebpfjit.h): its own object.
        ebpfjit_open_options open{}; // fields a later API adds stay at their defaults
        open.program_type = "mem";
        open.engine = EBPFJIT_ENGINE_JIT;
        open.verify = *level->level == VerifyLevel::Full ? EBPFJIT_VERIFY_FULL : EBPFJIT_VERIFY_STRUCTURAL;
        char err[256] = {};
        std::unique_ptr<ebpfjit_object, void (*)(ebpfjit_object*)> object(
            ebpfjit_object_open_opts(w.object_path.c_str(), &open, err, sizeof err), ebpfjit_object_close);
        ebpfjit_program* program = object ? ebpfjit_object_program(object.get(), w.symbol.c_str(), err, sizeof err)
                                          : nullptr;
        if (!program) return fail(Error::plain(fmt::format("{} on jit-c: {}", w.name, err)));
        auto run_c = [&](std::span<uint8_t> mem) -> Result<uint64_t> {
            uint64_t r0 = 0;
            if (ebpfjit_program_run_mem(program, mem.data(), mem.size(), &r0, err, sizeof err) != 0) [[unlikely]]
                return fail(Error::plain(err));
            return r0;
        };
        auto r = time_engine(w, "jit-c", run_c, expected, reference_name, options.quick);
        if (!r) return fail(r.error());
        describe(*r, *level, v);
        out.push_back(std::move(*r));
    }
    const bool without = !options.jit_without.empty();
    if (without && level->level) {
        // Not the public API (it has no switch for optimisations): jit::compile with the
        // same facts and default options but the ones switched off, run through runtime::run_native_mem.
        auto j = jit_program(*loaded, verification->facts, repeats, optimisations(options.jit_without));
        if (!j) return fail(Error::plain(fmt::format("{}: {}", w.name, j.error().to_string())));
        const jit::CompiledProgram& code = j->code;
        if (w.kind == WorkloadKind::Map) {
            std::vector<uint8_t> mem = w.input;
            if (auto warm = runtime::run_native_mem(code, mem); !warm) return fail(warm.error());
        }
        auto r = time_engine(w, "jit-without", [&](std::span<uint8_t> mem) { return runtime::run_native_mem(code, mem); }, expected,
                             reference_name, options.quick);
        if (!r) return fail(r.error());
        describe(*r, *level, v);
        r->compile_us = j->compile_us;
        r->code_bytes = code.code_size();
        r->checked_accesses = j->checked_accesses;
        r->checked_calls = j->checked_calls;
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
    if (w.kind == WorkloadKind::Suite && options.peers)
        if (auto ok = run_peers(w, expected, options.quick, out); !ok) return fail(ok.error());
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
