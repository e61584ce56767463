#include "bench/harness/report.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <algorithm>
#include <map>
#include <optional>

#include <fmt/format.h>

namespace ebpfjit::bench {

namespace {

const char* kEngines[] = {"interp", "jit", "jit-c", "jit-without", "native", "compare", "rte_bpf", "kernel"};
const char* kPeers[] = {"rte_bpf", "kernel"};

// Any record, measured or not (its `unavailable` says why not).
const Record* find_any(const std::vector<Record>& records, const std::string& program, const std::string& engine) {
    for (const Record& r : records)
        if (r.program == program && r.engine == engine) return &r;
    return nullptr;
}

// A measured record only: ratios and plots never see an unavailable one.
const Record* find(const std::vector<Record>& records, const std::string& program, const std::string& engine) {
    const Record* r = find_any(records, program, engine);
    return r && r->unavailable.empty() ? r : nullptr;
}

bool has_engine(const std::vector<Record>& records, const std::string& engine) {
    return std::any_of(records.begin(), records.end(), [&](const Record& r) { return r.engine == engine; });
}

// "refused: loops detected" -> "refused" in a cell; the whole reason goes below the table.
std::string unavailable_cell(const Record& r) { return r.unavailable.substr(0, r.unavailable.find(':')); }

// How the program the engines ran was verified, and what the JIT still checks at run time.
std::string level_cell(const Record* jit) {
    if (!jit || jit->verify_level.empty()) return "–";
    if (jit->termination.empty()) return jit->verify_level;
    return fmt::format("{}, loops {}", jit->verify_level, jit->termination); // full, loops ranked
}
std::string checks_cell(const Record* jit) {
    if (!jit || !jit->checked_accesses) return "–";
    if (*jit->checked_accesses == 0 && jit->checked_calls.value_or(0) == 0) return "none";
    const uint32_t accesses = *jit->checked_accesses, calls = jit->checked_calls.value_or(0);
    return fmt::format("{} access{}, {} call{}", accesses, accesses == 1 ? "" : "es", calls, calls == 1 ? "" : "s");
}

std::vector<std::string> programs_of(const std::vector<Record>& records, WorkloadKind kind) {
    std::vector<std::string> names;
    for (const Record& r : records)
        if (r.kind == kind && (names.empty() || names.back() != r.program)) names.push_back(r.program);
    return names;
}

std::string time_cell(const Record* r) {
    if (!r) return "–";
    if (!r->unavailable.empty()) return unavailable_cell(*r);
    const double ns = r->ns_per_run_median;
    if (ns >= 1e6) return fmt::format("{:.2f} ms", ns / 1e6);
    if (ns >= 1e3) return fmt::format("{:.2f} µs", ns / 1e3);
    return fmt::format("{:.1f} ns", ns);
}

std::optional<double> ratio(const Record* a, const Record* b) {
    if (!a || !b || !a->unavailable.empty() || !b->unavailable.empty() || b->ns_per_run_median <= 0)
        return std::nullopt;
    return a->ns_per_run_median / b->ns_per_run_median;
}

std::string ratio_cell(std::optional<double> x) { return x ? fmt::format("{:.2f}×", *x) : "–"; }

struct Geomean {
    double log_sum = 0;
    int n = 0;
    void add(std::optional<double> x) {
        if (x && *x > 0) log_sum += std::log(*x), ++n;
    }
    std::optional<double> value() const { return n ? std::optional(std::exp(log_sum / n)) : std::nullopt; }
};

std::string optional_us(const std::optional<double>& us) { return us ? fmt::format("{:.1f}", *us) : "–"; }

} // namespace

std::string markdown_report(const std::vector<Record>& records) {
    std::string out;
    const auto suite = programs_of(records, WorkloadKind::Suite);
    std::vector<std::string> columns{"interp", "jit"};
    for (const char* e : {"jit-c", "jit-without", "native", "compare", "rte_bpf", "kernel"})
        if (has_engine(records, e)) columns.emplace_back(e);
    std::vector<std::string> peers;
    for (const char* e : kPeers)
        if (has_engine(records, e)) peers.emplace_back(e);
    std::string reasons; // why some cells were not measured
    if (!suite.empty()) {
        out += "## Userspace suite (median per run; every answer checked against native)\n\n";
        out += "jit and interp: `Object::program` with default options (full verification), then "
               "`Program::run` (jit-c: the same through the C API, `ebpfjit_program_run_mem`); a program the full verifier refuses is marked refused unless "
               "`--structural-fallback` ran it at structural level, with run-time checks.\n\n";
        out += "| program | verified | run-time checks |";
        for (const auto& c : columns) out += fmt::format(" {} |", c);
        out += " JIT/native | interp/JIT |";
        for (const auto& p : peers) out += fmt::format(" JIT/{} |", p);
        out += "\n|---|---|---|";
        for (size_t i = 0; i < columns.size() + 2 + peers.size(); ++i) out += "---:|";
        out += "\n";
        Geomean jit_native, interp_jit, jit_native_full;
        std::map<std::string, Geomean> jit_peer;
        int full = 0, structural = 0, refused = 0;
        for (const auto& p : suite) {
            const Record* jit_any = find_any(records, p, "jit");
            const Record* interp = find(records, p, "interp");
            const Record* jit = find(records, p, "jit");
            const Record* native = find(records, p, "native");
            const std::string level = jit_any ? jit_any->verify_level : std::string();
            full += level == "full", structural += level == "structural", refused += level == "refused";
            jit_native.add(ratio(jit, native));
            if (level == "full") jit_native_full.add(ratio(jit, native));
            interp_jit.add(ratio(interp, jit));
            out += fmt::format("| {} | {} | {} |", p, level_cell(jit_any), checks_cell(jit_any));
            std::vector<std::pair<std::string, std::string>> why; // reason, engines (one line per reason)
            for (const auto& c : columns) {
                const Record* r = find_any(records, p, c);
                out += fmt::format(" {}{} |", time_cell(r), r && r->unavailable.empty() && !r->checked ? " (unchecked)" : "");
                if (!r || r->unavailable.empty()) continue;
                auto same = std::find_if(why.begin(), why.end(), [&](const auto& w) { return w.first == r->unavailable; });
                if (same != why.end()) same->second += " and " + c;
                else why.emplace_back(r->unavailable, c);
            }
            for (const auto& [reason, engines] : why) reasons += fmt::format("- {} on {}: {}\n", p, engines, reason);
            if (jit_any && jit_any->verify_level == "structural")
                reasons += fmt::format("- {}: full verification refused (run at structural level, with run-time "
                                       "checks, as --structural-fallback asked): {}\n",
                                       p, jit_any->full_refusal);
            out += fmt::format(" {} | {} |", ratio_cell(ratio(jit, native)), ratio_cell(ratio(interp, jit)));
            for (const auto& peer : peers) {
                const auto x = ratio(jit, find(records, p, peer));
                jit_peer[peer].add(x);
                out += fmt::format(" {} |", ratio_cell(x));
            }
            out += "\n";
        }
        out += "| **geomean** | | |";
        for (size_t i = 0; i < columns.size(); ++i) out += " |";
        out += fmt::format(" **{}** | **{}** |", ratio_cell(jit_native.value()), ratio_cell(interp_jit.value()));
        for (const auto& peer : peers) out += fmt::format(" **{}** |", ratio_cell(jit_peer[peer].value()));
        out += fmt::format("\n\nVerified: {} full, {} structural (with run-time checks), {} refused; the "
                           "geomeans cover the programs measured on both sides. JIT/native over the fully "
                           "verified programs only: {}.\n\n",
                           full, structural, refused, ratio_cell(jit_native_full.value()));
        if (!reasons.empty()) out += "Not measured, or not fully verified:\n\n" + reasons + "\n";
    }
    const auto maps = programs_of(records, WorkloadKind::Map);
    if (!maps.empty()) {
        out += "## Maps and helpers from eBPF code (ns per operation, median; JIT checked against interp)\n\n";
        out += "| benchmark | verified | run-time checks | interp ns/op | jit ns/op | interp/JIT |\n"
               "|---|---|---|---:|---:|---:|\n";
        for (const auto& p : maps) {
            const Record* interp = find_any(records, p, "interp");
            const Record* jit = find_any(records, p, "jit");
            auto per_op = [](const Record* r) {
                if (!r) return std::string("–");
                if (!r->unavailable.empty()) return unavailable_cell(*r);
                return fmt::format("{:.1f}", r->ns_per_run_median / r->ops_per_run);
            };
            out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", p, level_cell(jit), checks_cell(jit), per_op(interp),
                               per_op(jit), ratio_cell(ratio(interp, jit)));
        }
        for (const auto& p : maps)
            if (const Record* jit = find_any(records, p, "jit"); jit && !jit->unavailable.empty())
                out += fmt::format("\n- {}: {}", p, jit->unavailable);
        out += "\n";
    }
    out += "## Compile and verify time\n\n";
    out += "| program | eBPF insns | native bytes | compile µs | verify µs | verified | run-time checks |\n";
    out += "|---|---:|---:|---:|---:|---|---|\n";
    for (const Record& r : records) {
        if (r.engine != "jit" || !r.unavailable.empty()) continue;
        out += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", r.program, r.bpf_insns.value_or(0),
                           r.code_bytes.value_or(0), optional_us(r.compile_us), optional_us(r.verify_us),
                           level_cell(&r), checks_cell(&r));
    }
    return out;
}

nlohmann::json json_report(const std::vector<Record>& records) {
    nlohmann::json results = nlohmann::json::array();
    auto optional = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
    for (const Record& r : records) {
        const bool measured = r.unavailable.empty();
        auto when_measured = [&](const nlohmann::json& v) { return measured ? v : nlohmann::json(nullptr); };
        nlohmann::json j{{"program", r.program},
                         {"engine", r.engine},
                         {"kind", r.kind == WorkloadKind::Suite ? "suite" : "map"},
                         {"ns_per_run_median", when_measured(r.ns_per_run_median)},
                         {"ns_per_run_min", when_measured(r.ns_per_run_min)},
                         {"runs", r.runs},
                         {"unavailable", measured ? nlohmann::json(nullptr) : nlohmann::json(r.unavailable)},
                         {"compile_us", optional(r.compile_us)},
                         {"verify_us", optional(r.verify_us)},
                         {"result", r.result},
                         {"checked", r.checked}};
        if (!r.verify_level.empty()) j["verify_level"] = r.verify_level;
        if (!r.termination.empty()) j["termination"] = r.termination;
        if (!r.full_refusal.empty()) j["full_verification_refused"] = r.full_refusal;
        if (r.checked_accesses) j["checked_accesses"] = *r.checked_accesses;
        if (r.checked_calls) j["checked_calls"] = *r.checked_calls;
        if (r.kind == WorkloadKind::Map && measured) {
            j["ops_per_run"] = r.ops_per_run;
            j["ns_per_op_median"] = r.ns_per_run_median / r.ops_per_run;
        }
        if (r.code_bytes) j["code_bytes"] = *r.code_bytes;
        if (r.bpf_insns) j["bpf_insns"] = *r.bpf_insns;
        results.push_back(std::move(j));
    }
    return nlohmann::json{{"results", results}};
}

Result<void> write_plot(const std::vector<Record>& records, const std::string& png_path) {
    // Data: one row per suite program, one column per engine (ns per run, median).
    std::vector<std::string> engines;
    for (const char* e : kEngines)
        for (const Record& r : records)
            if (r.engine == e) {
                engines.emplace_back(e);
                break;
            }
    const std::string data_path = png_path + ".dat";
    const std::string script_path = png_path + ".gp";
    {
        std::ofstream data(data_path);
        data << "program";
        for (const auto& e : engines) data << ' ' << e;
        data << '\n';
        for (const auto& p : programs_of(records, WorkloadKind::Suite)) {
            // '*': verified at structural level only, run with run-time checks.
            const Record* jit = find_any(records, p, "jit");
            data << p << (jit && jit->verify_level == "structural" ? "*" : "");
            for (const auto& e : engines) {
                const Record* r = find(records, p, e);
                data << ' ' << (r ? fmt::format("{:.3f}", r->ns_per_run_median) : "NaN");
            }
            data << '\n';
        }
        if (!data) return fail(Error::plain(fmt::format("{}: cannot write", data_path)));
    }
    {
        std::ofstream script(script_path);
        script << "set terminal png size 1400,650 noenhanced\n"
               << fmt::format("set output '{}'\n", png_path)
               << "set title 'ns per run (median), log scale; jit and interp: public API, default options "
                  "(full verification; * structural, with run-time checks); no bar: refused, not built or skipped (see the table)'\n"
               << "set logscale y\nset ylabel 'ns per run'\nset style data histograms\n"
               << "set style histogram clustered gap 1\nset style fill solid border -1\n"
               << "set key top left\nset xtics rotate by -30\nset grid ytics\n"
               << fmt::format("plot for [i=2:{}] '{}' using i:xtic(1) title columnheader(i)\n", engines.size() + 1,
                              data_path);
        if (!script) return fail(Error::plain(fmt::format("{}: cannot write", script_path)));
    }
    const std::string command = fmt::format("gnuplot '{}'", script_path);
    if (std::system(command.c_str()) != 0)
        return fail(Error::plain(fmt::format("gnuplot failed on {} (install gnuplot-nox)", script_path)));
    return {};
}

} // namespace ebpfjit::bench
