// Verifying without running: the verifier's verdict on each program of a BPF object, with
// its log and statistics (what `ebpfjit verify` prints), for an embedder that wants to
// check objects before deploying them.
//
//   auto reports = ebpfjit::verify_object("fw.o", {.program = "xdp_main", .log_level = 1});
//   for (const auto& r : *reports) if (!r.accepted) log(r.headline);
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ebpfjit/engine.hpp"
#include "ebpfjit/error.hpp"
#include "ebpfjit/program_type.hpp"

namespace ebpfjit {

struct VerifyOptions {
    std::string program;                     // only this program (symbol name); empty: all
    std::optional<ProgramType> program_type; // for every program, instead of its section's
    VerifyLevel level = VerifyLevel::Full;
    int log_level = 0;                       // 0 headline, 1 + states, 2 every instruction
    bool allow_ptr_leaks = false;            // the kernel's privileged rules (OpenOptions)
    bool require_termination_proof = false;  // reject loops only a budget bounds (OpenOptions)
    // As OpenOptions::map_max_entries and OpenOptions::inline_globals (docs/loader.md).
    // With `program` set, only that program is built (OpenOptions::only_programs).
    std::map<std::string, uint32_t> map_max_entries = {};
    std::vector<std::string> inline_globals = {};
    std::string core_btf = {}; // as OpenOptions::core_btf (libbpf's btf_custom_path)
};

// What the verifier did, whatever the verdict.
struct VerifyStats {
    uint64_t processed_insns = 0;  // instructions symbolically executed, over all paths
    uint64_t states_stored = 0;    // states kept at pruning points
    uint64_t states_pruned = 0;    // paths cut because a stored state subsumed them
    uint32_t peak_pending = 0;     // deepest worklist of unexplored branches
    uint64_t peak_state_bytes = 0; // most bytes held by stored and pending states at once
    double micros = 0;             // wall time of the verification
};

struct VerifyReport {
    std::string program;           // symbol name
    ProgramType type{};
    size_t instructions = 0;       // instruction slots
    bool accepted = false;
    // Rejected only: "insn 12: ...: packet access out of bounds: ...", the reason's name
    // ("out of bounds", ...) and the instruction it names.
    std::string headline;
    std::string reason;
    uint32_t insn = 0;
    std::string log;               // at the level asked for (empty at 0 unless rejected)
    // Accepted only: the loop heads (instruction indexes) whose termination nothing
    // proved; a run bounds them with the instruction budget (docs/loop-verification.md).
    std::vector<uint32_t> budget_loops;
    // Accepted only: loops a ranking argument proved to end (docs/loop-verification.md,
    // "Termination"): at `head`, register r`counter` grows by at least `min_step` a trip,
    // so one entry into the loop runs at most `max_trips` trips. No budget for them.
    struct RankedLoop {
        uint32_t head = 0;
        uint8_t counter = 0;
        uint64_t min_step = 0;
        uint64_t max_trips = 0;
    };
    std::vector<RankedLoop> ranked_loops;
    // When every loop is ranked: the most instructions a run executes (0: no bound, e.g.
    // with callbacks). Above 2^32 (kDefaultLoopBudget) the ranked loops are also budget loops.
    uint64_t run_length_bound = 0;
    VerifyStats stats;
};

// One report per program, in the object's order. Errors: the object cannot be read, or
// `options.program` names no program in it. A rejection is a report, not an error.
Result<std::vector<VerifyReport>> verify_object(const std::string& path, const VerifyOptions& options = {});

} // namespace ebpfjit
