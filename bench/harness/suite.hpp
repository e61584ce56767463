// The benchmark suite: every workload on every engine, timed in-process, every answer
// checked (suite: against native; map benchmarks: the JIT against the interpreter), so
// a wrong fast answer fails the run.
//
// "jit" and "interp" are what an embedder gets: Object::program with default options
// (full verification) and Program::run; "jit-c" the same through the C API
// (ebpfjit_object_open_opts, ebpfjit_program_run_mem). A program the full verifier refuses is reported
// as refused, with the verifier's reason; only `structural_fallback` (--structural-fallback)
// runs it at structural level instead, with the run-time checks that level brings (the
// report counts them). Peers (--peers): DPDK's rte_bpf JIT and the kernel's JIT.
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
    // Where full verification refuses a program: verify it at structural level and run
    // it with run-time checks (as OpenOptions::verify = Structural does), instead of
    // reporting it refused.
    bool structural_fallback = false;
    bool peers = false; // rte_bpf's JIT (if built) and the kernel's (as root), suite only
    std::string compare_cmd;                                  // see compare_command.hpp
    std::string compare_input_dir;                            // where inputs are written for it
    // --jit-without: adds engine "jit-without", jit::compile with these switched off (an
    // internal compile, not the public API; for measuring the optimisations):
    // "magic-division", "map-lookups", "zero-extension", "block-idioms", "compare-idioms", "narrow-division", "hoisted-checks", "budget-register".
    std::vector<std::string> jit_without;
};

// One (program, engine) measurement.
struct Record {
    std::string program;
    std::string engine; // interp | jit | jit-c (C API) | native | jit-without | compare | rte_bpf | kernel
    WorkloadKind kind = WorkloadKind::Suite;
    double ns_per_run_median = 0;
    double ns_per_run_min = 0;
    uint64_t runs = 0;
    uint32_t ops_per_run = 1;
    uint64_t result = 0;                  // r0 of the checked run
    bool checked = true;                  // false: compare_cmd printed no number to check
    // Not measured, and why: "refused: <reason>", "not built", "skipped: <reason>". The
    // timing fields are then meaningless (JSON: null).
    std::string unavailable;
    std::optional<double> compile_us;     // jit only
    std::optional<double> verify_us;      // interp and jit (same program, same verifier)
    std::string verify_level;             // interp, jit: full | structural | refused
    std::string full_refusal;             // interp, jit: why full verification refused, if it did
    // interp, jit at full: how its loops end: "walked" (enumerated, or none), "ranked"
    // (proven by a ranking argument, no budget) or "budget" (the instruction budget bounds some)
    std::string termination;
    std::optional<uint32_t> checked_accesses; // jit: memory accesses checked at run time
    std::optional<uint32_t> checked_calls;    // jit: helper calls checked at run time
    std::optional<uint64_t> code_bytes;   // jit: native code size
    std::optional<uint64_t> bpf_insns;    // interp and jit: program slots
};

// Runs everything; progress goes to the library logger at info level. An engine
// disagreeing with the reference answer is an Error naming program, engine and values.
Result<std::vector<Record>> run_suite(const SuiteOptions& options);

} // namespace ebpfjit::bench
