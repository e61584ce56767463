// The passes jit::lower runs, one file each. Internal to jit/.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "ebpfjit/error.hpp"
#include "jit/lowering.hpp"

namespace ebpfjit::jit::detail {

// Subprogram ranges, slot -> subprogram, jumps staying inside their subprogram, every
// subprogram ending in exit or an unconditional jump, call depth and recursion.
Result<void> analyse_control_flow(const isa::Program& program, const LoweringOptions& options,
                                  Lowered& out);

// regs_used, per-subprogram regs_written, live_across_calls and the registers live at
// slot 0 (into zero_at_entry, which lower() then masks) (backward liveness: isa/liveness.hpp).
void analyse_registers(const isa::Program& program, Lowered& out);

// bpf_map_lookup_elem calls whose map is known: direct helper or inline array lookup.
void specialise_map_lookups(const isa::Program& program, Lowered& out);

// Pair fusions (peephole.cpp): branch-over-jump inversion and mov+add (add_fused). Runs
// last: the register analyses above see the original pairs.
void fuse_pairs(Lowered& out);

// Traps for the unreachable runs emitted code could enter (unreachable_runs.cpp); after
// fuse_pairs, so that an inverted branch's new target counts.
void mark_unreachable_runs(const verifier::Facts& facts, Lowered& out);

// Instruction-budget charges on back-edges and local calls (budget.cpp); after fuse_pairs,
// so that an inverted branch carries the charge of the goto it replaced.
void mark_budget_charges(Lowered& out);

// The budget's counter in a spare register (budget.cpp: one subprogram, no block ops, an
// r6-r9 the program and the region cache leave free); last, after the idioms.
void assign_budget_register(Lowered& out);

// Region-cache entries held in spare registers (access_cache.cpp: the hottest entries,
// when r6-r9 are unused and there is one subprogram); after analyse_registers.
void assign_access_cache_registers(Lowered& out);

// Byte-copy and byte-fill loops whose accesses Facts prove -> BlockOp (idioms.cpp); last,
// on the final slots and budget charges.
void recognise_block_idioms(const verifier::Facts& facts, Lowered& out);

// Byte-compare and byte-scan loops whose loads Facts prove -> BlockOp of kind Compare
// (idioms_compare.cpp); after recognise_block_idioms (a head it took is left alone).
void recognise_compare_idioms(const verifier::Facts& facts, Lowered& out);

// The copy/fill idiom of the loop [head, back_edge] whose accesses are all in `ranged`
// (ascending slots a run-time range check covers before the op runs), reading no Facts;
// for a loop version (idioms.cpp).
std::optional<BlockOp> match_ranged_block_idiom(const Lowered& out, uint32_t head, uint32_t back_edge,
                                                std::span<const uint32_t> ranged);

// Loops whose checked accesses walk memory by an induction -> LoopVersion (hoist_checks.cpp,
// hoist_checks.hpp): shape only, no Facts; after the idioms (a head they took is left alone).
// `block_ops`: a version whose loop is a copy or fill runs as a block op.
void version_checked_loops(Lowered& out, bool block_ops);

} // namespace ebpfjit::jit::detail
