#include "bench/harness/report.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>

#include <fmt/format.h>

namespace ebpfjit::bench {

namespace {

const char* kEngines[] = {"interp", "jit", "native", "compare"};

const Record* find(const std::vector<Record>& records, const std::string& program, const std::string& engine) {
    for (const Record& r : records)
        if (r.program == program && r.engine == engine) return &r;
    return nullptr;
}

std::vector<std::string> programs_of(const std::vector<Record>& records, WorkloadKind kind) {
    std::vector<std::string> names;
    for (const Record& r : records)
        if (r.kind == kind && (names.empty() || names.back() != r.program)) names.push_back(r.program);
    return names;
}

std::string time_cell(const Record* r) {
    if (!r) return "–";
    const double ns = r->ns_per_run_median;
    if (ns >= 1e6) return fmt::format("{:.2f} ms", ns / 1e6);
    if (ns >= 1e3) return fmt::format("{:.2f} µs", ns / 1e3);
    return fmt::format("{:.1f} ns", ns);
}

std::optional<double> ratio(const Record* a, const Record* b) {
    if (!a || !b || b->ns_per_run_median <= 0) return std::nullopt;
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
    const bool with_compare = !records.empty() && std::any_of(records.begin(), records.end(),
                                                              [](const Record& r) { return r.engine == "compare"; });
    if (!suite.empty()) {
        out += "## Userspace suite (median per run; every answer checked against native)\n\n";
        out += "| program | interp | jit | native |";
        out += with_compare ? " compare-cmd |" : "";
        out += " JIT/native | interp/JIT |\n|---|---:|---:|---:|";
        out += with_compare ? "---:|" : "";
        out += "---:|---:|\n";
        Geomean jit_native, interp_jit;
        for (const auto& p : suite) {
            const Record* interp = find(records, p, "interp");
            const Record* jit = find(records, p, "jit");
            const Record* native = find(records, p, "native");
            jit_native.add(ratio(jit, native));
            interp_jit.add(ratio(interp, jit));
            out += fmt::format("| {} | {} | {} | {} |", p, time_cell(interp), time_cell(jit), time_cell(native));
            if (with_compare) {
                const Record* cmp = find(records, p, "compare");
                out += fmt::format(" {}{} |", time_cell(cmp), cmp && !cmp->checked ? " (unchecked)" : "");
            }
            out += fmt::format(" {} | {} |\n", ratio_cell(ratio(jit, native)), ratio_cell(ratio(interp, jit)));
        }
        out += fmt::format("| **geomean** | | | |{} **{}** | **{}** |\n\n", with_compare ? " |" : "",
                           ratio_cell(jit_native.value()), ratio_cell(interp_jit.value()));
    }
    const auto maps = programs_of(records, WorkloadKind::Map);
    if (!maps.empty()) {
        out += "## Maps and helpers from eBPF code (ns per operation, median; JIT checked against interp)\n\n";
        out += "| benchmark | interp ns/op | jit ns/op | interp/JIT |\n|---|---:|---:|---:|\n";
        for (const auto& p : maps) {
            const Record* interp = find(records, p, "interp");
            const Record* jit = find(records, p, "jit");
            auto per_op = [](const Record* r) {
                return r ? fmt::format("{:.1f}", r->ns_per_run_median / r->ops_per_run) : std::string("–");
            };
            out += fmt::format("| {} | {} | {} | {} |\n", p, per_op(interp), per_op(jit),
                               ratio_cell(ratio(interp, jit)));
        }
        out += "\n";
    }
    out += "## Compile and verify time\n\n";
    out += "| program | eBPF insns | x86-64 bytes | compile µs | verify µs | verifier level |\n";
    out += "|---|---:|---:|---:|---:|---|\n";
    for (const Record& r : records) {
        if (r.engine != "jit") continue;
        out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", r.program, r.bpf_insns.value_or(0),
                           r.code_bytes.value_or(0), optional_us(r.compile_us), optional_us(r.verify_us),
                           r.verify_level == "structural" ? "structural (trusted: no run-time checks)"
                                                          : r.verify_level);
    }
    return out;
}

nlohmann::json json_report(const std::vector<Record>& records) {
    nlohmann::json results = nlohmann::json::array();
    auto optional = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
    for (const Record& r : records) {
        nlohmann::json j{{"program", r.program},
                         {"engine", r.engine},
                         {"kind", r.kind == WorkloadKind::Suite ? "suite" : "map"},
                         {"ns_per_run_median", r.ns_per_run_median},
                         {"ns_per_run_min", r.ns_per_run_min},
                         {"runs", r.runs},
                         {"compile_us", optional(r.compile_us)},
                         {"verify_us", optional(r.verify_us)},
                         {"result", r.result},
                         {"checked", r.checked}};
        if (!r.verify_level.empty()) j["verify_level"] = r.verify_level;
        if (r.kind == WorkloadKind::Map) {
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
            data << p;
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
        script << "set terminal png size 1200,600 noenhanced\n"
               << fmt::format("set output '{}'\n", png_path)
               << "set title 'ebpfjit: ns per run (median), log scale'\n"
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
