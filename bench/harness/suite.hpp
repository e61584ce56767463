// The benchmark suite: every workload on every engine, timed in-process, every answer
// checked (suite: against native; map benchmarks: the JIT against the interpreter), so
// a wrong fast answer fails the run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bench/harness/workloads.hpp"
#include "ebpfjit/error.hpp"

namespace ebpfjit::bench {

struct SuiteOptions {
    std::string programs_dir = default_programs_dir();
    std::string filter;                                       // substring of workload names
    std::vector<std::string> engines{"interp", "jit", "native"};
    bool quick = false;                                       // a few seconds in all (CI)
    bool try_full = false; // attempt full verification on every program (see Workload)
    std::string compare_cmd;                                  // see compare_command.hpp
    std::string compare_input_dir;                            // where inputs are written for it
    // JIT optimisations switched off, to measure them: "magic-division", "map-lookups",
    // "zero-extension" (the lowering's Optimisations; `ebpfjit bench --jit-without`).
    std::vector<std::string> jit_without;
};

// One (program, engine) measurement.
struct Record {
    std::string program;
    std::string engine; // interp | jit | native | compare
    WorkloadKind kind = WorkloadKind::Suite;
    double ns_per_run_median = 0;
    double ns_per_run_min = 0;
    uint64_t runs = 0;
    uint32_t ops_per_run = 1;
    uint64_t result = 0;                  // r0 of the checked run
    bool checked = true;                  // false: compare_cmd printed no number to check
    std::optional<double> compile_us;     // jit only
    std::optional<double> verify_us;      // interp and jit (same program, same verifier)
    std::string verify_level;             // full | structural
    std::optional<uint64_t> code_bytes;   // jit: native code size
    std::optional<uint64_t> bpf_insns;    // interp and jit: program slots
};

// Runs everything; progress goes to the library logger at info level. An engine
// disagreeing with the reference answer is an Error naming program, engine and values.
Result<std::vector<Record>> run_suite(const SuiteOptions& options);

} // namespace ebpfjit::bench
