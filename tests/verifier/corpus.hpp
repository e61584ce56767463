// The verifier corpus: programs with the verdict each must get. One table, used by the
// corpus test, the soundness test (accepted programs run in the interpreter) and the
// verification-time benchmark.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "ebpfjit/program_type.hpp"
#include "helpers/helper_table.hpp"
#include "isa/instruction.hpp"
#include "runtime/maps/map.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::verifier::test {

struct CorpusCase {
    std::string name;
    ProgramType type;
    isa::Program program;
    bool accept;
    Reason reason = Reason::EmptyProgram; // when rejected
    uint32_t insn = 0;                    // when rejected
    // Verified with VerifierInput::require_termination_proof (the kernel's verdict on loops).
    bool require_termination_proof = false;
};

// Map indices the corpus programs use in LDDW.
enum CorpusMap : int32_t {
    kHashMap = 0,     // hash, key 4, value 8
    kArrayMap = 1,    // array, key 4, value 16, 4 entries
    kProgArray = 2,   // prog array, 4 entries
    kRingbufMap = 3,  // ringbuf, 4096 bytes
    kGlobalData = 4,  // array, 1 entry, value 64 (.data)
    kPerfArray = 5,   // perf event array
    kReadOnlyMap = 6, // array, 1 entry, value 16, BPF_F_RDONLY_PROG
    kDevMap = 7,      // devmap, key 4, value 4
    kLockMap = 8,     // array, key 4, value 16, 2 entries, struct bpf_spin_lock at offset 8
};

const std::vector<maps::MapDefinition>& corpus_maps();
// Prototypes of the helpers the corpus calls (same numbers and kinds as the kernel's).
const helpers::HelperTable& corpus_helpers();
// The corpus maps and helpers, with the strict stack rules (allow_uninit_stack off).
VerifierInput corpus_input(ProgramType type, Level level = Level::Full);

std::vector<CorpusCase> build_corpus();
// bpf_spin_lock pairing and constant-string arguments (corpus_locks_strings.cpp).
std::vector<CorpusCase> lock_and_string_cases();
// Pointer leaks (corpus_leaks.cpp): rejected by default at `insn` with `reason` and a
// headline containing `says`; with VerifierInput::allow_ptr_leaks accepted (`privileged`
// empty) or still rejected with `privileged`.
struct LeakCase {
    std::string name;
    ProgramType type;
    isa::Program program;
    Reason reason;
    uint32_t insn;
    std::string says;
    std::optional<Reason> privileged;
};
std::vector<LeakCase> pointer_leak_cases();
// Programs that look like leaks but are not (data_end - data, NULL checks, spills): accepted.
std::vector<CorpusCase> pointer_leak_lookalikes();
// Callbacks: bpf_loop and bpf_for_each_map_elem (corpus_callbacks.cpp).
std::vector<CorpusCase> callback_cases();

// A straight-line-heavy XDP program of about `insns` slots: a 64-byte header check, then
// blocks of loads, arithmetic and branches over the header, a map update at the end.
isa::Program large_xdp_program(size_t insns);
// `loops` small counting loops one after another (corpus.cpp).
isa::Program many_loops_program(size_t loops);

// Random well-formed IR of 2..max_len slots ending in exit (random_program.cpp): every
// instruction kind, back-edges, helper calls, LDDW of maps. Most are rejected.
isa::Program random_program(std::mt19937_64& rng, int32_t max_len);

} // namespace ebpfjit::verifier::test
