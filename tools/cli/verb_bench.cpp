// ebpfjit bench [--quick] [--json FILE] [--plot FILE.png] [--filter NAME] [--engines LIST]
//               [--programs DIR] [--compare-cmd "CMD {object} {input}"] [--jit-without LIST]
//               [--structural-fallback] [--peers]
// jit and interp run through the public API with default options (bench/harness/suite.hpp).
#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <string>

#include "bench/harness/report.hpp"
#include "bench/harness/suite.hpp"
#include "tools/cli/verb.hpp"

namespace ebpfjit::cli {

Verb register_bench(CLI::App& app) {
    struct Options {
        bench::SuiteOptions suite;
        std::string json;
        std::string plot;
    };
    auto opts = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand("bench", "Benchmark the interpreter and the JIT (public API, default "
                                                 "options) against native C and, with --peers, other engines");
    cmd->add_flag("--quick", opts->suite.quick, "A few seconds in all (CI smoke runs)");
    cmd->add_flag("--structural-fallback", opts->suite.structural_fallback,
                  "Where full verification refuses a program, verify it at structural level and run it "
                  "with run-time checks (reported per program) instead of marking it refused");
    cmd->add_flag("--peers", opts->suite.peers,
                  "Add DPDK's rte_bpf JIT (if built) and, as root, the kernel's JIT (BPF_PROG_TEST_RUN on "
                  "XDP wrappers) to the suite");
    cmd->add_option("--json", opts->json, "Write {\"results\": [...]} to FILE");
    cmd->add_option("--plot", opts->plot, "Draw a log-scale bar chart (PNG, needs gnuplot)");
    cmd->add_option("--filter", opts->suite.filter, "Only benchmarks whose name contains this");
    cmd->add_option("--engines", opts->suite.engines, "Engines to time")
        ->delimiter(',')
        ->check(CLI::IsMember({"interp", "jit", "native"}));
    cmd->add_option("--programs", opts->suite.programs_dir, "Folder of built benchmark programs")
        ->capture_default_str();
    cmd->add_option("--compare-cmd", opts->suite.compare_cmd,
                    "Another engine's command, run per suite program: {object} {program} {input} {name} "
                    "are replaced; its last printed integer is checked against native");
    cmd->add_option("--jit-without", opts->suite.jit_without,
                    "Add engine jit-without: the JIT with these optimisations off (an internal compile, "
                    "not the public API): magic-division, map-lookups, zero-extension, block-idioms, compare-idioms, narrow-division, hoisted-checks, budget-register")
        ->delimiter(',')
        ->check(CLI::IsMember({"magic-division", "map-lookups", "zero-extension", "block-idioms", "compare-idioms", "narrow-division", "hoisted-checks", "budget-register"}));
    cmd->footer("Example: ebpfjit bench --quick --json bench.json --plot bench.png\n"
                "Exit status 1 when any engine's answer differs from the reference.");

    return {cmd, [opts] {
                if (opts->suite.compare_input_dir.empty())
                    opts->suite.compare_input_dir = opts->suite.programs_dir + "/compare-inputs";
                auto records = bench::run_suite(opts->suite);
                if (!records) return report(records.error());
                fmt::print("{}", bench::markdown_report(*records));
                if (!opts->json.empty()) {
                    std::ofstream out(opts->json);
                    out << bench::json_report(*records).dump(2) << '\n';
                    if (!out) return report(Error::plain(fmt::format("{}: cannot write", opts->json)));
                }
                if (!opts->plot.empty())
                    if (auto ok = bench::write_plot(*records, opts->plot); !ok) return report(ok.error());
                return 0;
            }};
}

} // namespace ebpfjit::cli
