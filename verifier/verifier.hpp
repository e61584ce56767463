// The verifier's public API: prove a program safe before any code is emitted.
//
//   Structural: decoder rules + CFG checks (reachability, subprogram boundaries, call
//               depth, size limit). Loops allowed. What the conformance suite needs.
//   Full:       kernel-style abstract interpretation of every path: register types,
//               scalar bounds, stack slots, ctx/packet/map-value bounds, helper
//               prototypes, bounded loops, within 1,000,000 processed instructions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ebpfjit/error.hpp"
#include "ebpfjit/program_type.hpp"
#include "helpers/helper_table.hpp"
#include "isa/instruction.hpp"
#include "runtime/maps/map.hpp"
#include "verifier/facts.hpp"
#include "verifier/global_function.hpp"
#include "verifier/reason.hpp"

namespace ebpfjit::verifier {

enum class Level : uint8_t { Structural, Full };

inline constexpr uint32_t kMaxProgramSize = 1'000'000;
inline constexpr uint64_t kComplexityLimit = 1'000'000; // processed instructions

// A source line for a slot, from BTF line info: "xdp_fw.c:33: if (ip + 1 > end)".
struct LineInfo {
    uint32_t slot;
    std::string text;
};

struct VerifierInput {
    ProgramType type = ProgramType::Xdp;
    // The kernel's expected_attach_type: the cgroup socket types' ctx fields, return range
    // and helpers depend on it (ProgramSpec::attach; None for the other types).
    AttachType attach = AttachType::None;
    Level level = Level::Full;
    // Indexed by the LDDW imm (the loader's map index).
    std::vector<maps::MapDefinition> maps;
    const helpers::HelperTable* helpers = nullptr; // required for programs that call helpers
    int log_level = 0;                              // 0: headline, 1: + path summary, 2: every insn
    std::vector<LineInfo> line_info;                // sorted by slot, optional
    // Slots the loader poisoned (libbpf's `call 0xbad2310`: a CO-RE relocation without a
    // match in the core BTF) and what the relocation asked, for the refusal where a path
    // reaches one: "byte_off of 'gadget_socket_value' (access 0:9) 'ipv6only'".
    std::vector<LineInfo> poisoned_relocations;
    // Processed-instruction budget; the kernel's 1,000,000 unless a caller (a fuzzer)
    // wants to give up sooner. Values above the kernel's are clamped to it.
    uint64_t complexity_limit = kComplexityLimit;
    // The kernel's allow_ptr_leaks (CAP_PERFMON): off, a program may not turn a pointer into
    // data anyone can see: no pointer stored outside its own stack, returned, passed to a
    // helper as a value or inside memory it reads, compared with data, subtracted from a
    // pointer into another region, copied in part, or laundered through an atomic on its
    // spill slot; no variable-offset stack write over uninitialised bytes or a spill.
    // On: the kernel's privileged rules; memory safety still holds, only addresses may
    // escape. For embedders that trust their programs (docs/hardening.md).
    bool allow_ptr_leaks = false;
    // Loops the path walk cannot enumerate within its budget are proven by the loop pass
    // (joins and widening at loop heads, a zone of relations; docs/loop-verification.md):
    // memory safe for any trip count, and ending where a ranking argument bounds the
    // trips (Facts::ranked_loops); termination of the others is left to the instruction
    // budget (Facts::budget_loops). true: those others are rejected as the kernel rejects
    // them ("too complex"); walked and ranked loops are accepted.
    bool require_termination_proof = false;
    // The kernel's allow_uninit_stack (privileged): reads of stack bytes no path is proven
    // to have written (constant or variable offsets, helper memory arguments that read, the
    // bytes a variable-offset or variable-size write may have missed) give unknown scalars
    // instead of a rejection. Safe by default here, unlike in the kernel, because both
    // engines zero exactly those bytes when the frame is entered (Facts::stack_zero), so
    // no earlier frame's or run's data (a spilled pointer) can be read back. Spilled
    // pointers stay unreadable as data either way. Off: the kernel's unprivileged rule,
    // "invalid read from stack" (docs/hardening.md).
    bool allow_uninit_stack = true;
    // Subprograms whose BTF FUNC linkage is global, by start slot (ascending), from the
    // object's BTF (func_info); empty without BTF. As in the kernel, each such function
    // with a supported prototype is verified once on its own and assumed valid at its
    // calls, which check the arguments only; the others are walked inline at each call.
    std::vector<GlobalFunction> global_functions;
};

struct Rejection {
    Reason reason;
    uint32_t insn;
    std::string headline; // "insn 12: r1 = *(u32 *)(r2 + 14): packet access out of bounds: ..."
};

struct Stats {
    uint64_t processed_insns = 0; // instructions symbolically executed, over all paths
    uint64_t states_stored = 0;   // states kept at pruning points
    uint64_t states_pruned = 0;   // paths cut because a stored state subsumed them
    uint32_t peak_pending = 0;    // deepest worklist of unexplored branches
    uint64_t peak_state_bytes = 0; // most bytes held by stored and pending states at once
    double micros = 0;            // wall time of verify()

    // Another pass's or walk's work counted in: sums, and the peaks' maximum.
    void add(const Stats& other) {
        processed_insns += other.processed_insns;
        states_stored += other.states_stored;
        states_pruned += other.states_pruned;
        peak_pending = peak_pending > other.peak_pending ? peak_pending : other.peak_pending;
        peak_state_bytes = peak_state_bytes > other.peak_state_bytes ? peak_state_bytes : other.peak_state_bytes;
    }
};

struct Report {
    std::optional<Rejection> rejection; // empty: accepted
    Facts facts;                        // filled when accepted
    Stats stats;
    std::string log;                    // headline + states (log_level >= 1), or trace (2)
    // Per subprogram: the deepest stack byte a path used (for the combined stack of call
    // chains across walks; global_calls.cpp).
    std::vector<uint32_t> stack_depth;
    // Start slots of the global functions whose summarised calls some path reached
    // (global_calls.hpp): the kernel verifies only those, after the walk that called them.
    std::vector<uint32_t> global_calls_reached;

    bool ok() const { return !rejection; }
    Error error() const; // the rejection as an Error located at its instruction
};

// Verifies and reports everything (never throws; any input gives a Report).
Report check(const isa::Program& program, const VerifierInput& input);

// The same, as a Result: the facts, or the rejection's headline located at its insn.
Result<Facts> verify(const isa::Program& program, const VerifierInput& input);

} // namespace ebpfjit::verifier
