// The reference interpreter: runs an isa::Program with RFC 9669 / kernel semantics and
// checks every memory access against the regions the program may touch. It is the
// oracle for the JITs and the fuzzers: clear before fast.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "ebpfjit/error.hpp"
#include "ebpfjit/program_type.hpp"
#include "helpers/program_bindings.hpp"
#include "isa/instruction.hpp"
#include "engine_abi/execution_state.hpp"
#include "ebpfjit/memory_region.hpp"

namespace ebpfjit::runtime {

struct InterpreterOptions {
    // Hardening::instruction_budget, the one hardening knob of the interpreter (blinding and
    // retpolines are the JIT's): 0 = unlimited; exceeding it is a distinct error.
    uint64_t instruction_budget = 0;
    ProgramType program_type = ProgramType::Mem; // published in ExecutionState for helpers
    // The verifier's Facts::reachable (empty: no proof, every slot runs). A run that reaches
    // a slot marked false stops with "reached code the verifier proved unreachable" at the
    // first slot of its unreachable run, as the JITs' traps do (jit/unreachable_runs.hpp).
    std::vector<bool> reachable = {};
};

class Interpreter {
public:
    Interpreter(const isa::Program& program, helpers::ProgramBindings bindings,
                InterpreterOptions options = {});
    ~Interpreter();

    // Runs from slot 0 with r1, r2 as given. `regions` lists the memory besides the stack
    // (input buffer, ctx, packet). Map values returned by helpers become accessible as
    // the helper prototypes say. An out-of-region access stops the run with an Error
    // naming the instruction. `packet` is what LD_ABS / LD_IND read (big-endian); an
    // access beyond it ends the program with r0 = 0, as in the kernel.
    Result<uint64_t> run(uint64_t r1, uint64_t r2, std::span<const MemoryRegion> regions,
                         std::optional<MemoryRegion> packet = std::nullopt);
    // The same with the caller's per-run state: `state.cpu` (the worker's per-CPU slot)
    // goes in; what helpers record (the redirect decision) comes out. Type, ctx, tail-call
    // count and redirect are reset here.
    Result<uint64_t> run(uint64_t r1, uint64_t r2, std::span<const MemoryRegion> regions,
                         std::optional<MemoryRegion> packet, engine_abi::ExecutionState& state);

    // Whether `fn` is a callback value of this program (LDDW src 4 of one of its subprograms).
    bool owns_callback(uint64_t fn) const;
    // Runs callback `fn` by itself, not from a helper (a due bpf_timer's), with r1..r5 from
    // `args` in a fresh entry frame; `regions` is what it may touch besides its stack.
    Result<uint64_t> run_callback(uint64_t fn, const std::array<uint64_t, 5>& args,
                                  std::span<const MemoryRegion> regions, engine_abi::ExecutionState& state);

    // `mem` programs: r1 = mem.data() (writable), r2 = mem.size(); mem is also the packet.
    Result<uint64_t> run_mem(std::span<uint8_t> mem);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace ebpfjit::runtime
