// The suite's results as a Markdown table (stdout), JSON (--json) and a gnuplot PNG
// (--plot). Ratios are taken between records of the same run only.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/harness/suite.hpp"

namespace ebpfjit::bench {

// Suite table (engines side by side, JIT/native and interp/JIT, geomeans), then the map
// and helper table (ns per operation), then compile and verify times.
std::string markdown_report(const std::vector<Record>& records);

// {"results": [{"program", "engine", "ns_per_run_median", "ns_per_run_min", "runs",
//               "compile_us", "verify_us", ...}]}; not-applicable figures are null.
nlohmann::json json_report(const std::vector<Record>& records);

// Bars per program and engine on a log scale, drawn by gnuplot (gnuplot-nox).
Result<void> write_plot(const std::vector<Record>& records, const std::string& png_path);

} // namespace ebpfjit::bench
