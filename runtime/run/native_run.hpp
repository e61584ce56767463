// Runs of native code (jit::CompiledProgram) by themselves: the lean path when the code
// needs no per-run state (runtime/run/lean_run.hpp), else a RunScope of one run
// (runtime/run/run_scope.hpp). For white-box callers (tests, bench, RawEngine); the
// object API runs through PreparedProgram, which keeps the lean entry it decided.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "ebpfjit/error.hpp"
#include "ebpfjit/memory_region.hpp"
#include "engine_abi/execution_state.hpp"
#include "jit/compiled_program.hpp"

namespace ebpfjit::runtime {

// Runs from slot 0 with r1, r2. `packet` is what LD_ABS / LD_IND read (empty: every
// packet load is out of range and returns 0). A fault (callx to an unknown helper id,
// a checked access outside program memory) is an Error naming the instruction.
// `regions`: the memory besides the stack and maps that checked code may touch (as the
// interpreter's run takes them); code the verifier proved never looks at them, but a
// checked program it tail-calls does.
Result<uint64_t> run_native(const jit::CompiledProgram& code, uint64_t r1, uint64_t r2,
                            std::span<const uint8_t> packet = {}, std::span<const MemoryRegion> regions = {});
// The same with the caller's per-run state (ExecutionState): `state.cpu` goes in, what
// helpers record (the redirect decision) comes out; type, ctx, tail-call count and
// redirect are reset here, as Interpreter::run does.
Result<uint64_t> run_native(const jit::CompiledProgram& code, uint64_t r1, uint64_t r2,
                            std::span<const uint8_t> packet, engine_abi::ExecutionState& state,
                            std::span<const MemoryRegion> regions = {});
// A callback of `code` run by itself (a due bpf_timer's): the thunk `fn` with r1..r5 in
// a scope of its own; `regions` (the key and value it is handed) for checked code.
Result<uint64_t> run_native_callback(const jit::CompiledProgram& code, uint64_t fn, const std::array<uint64_t, 5>& args,
                                     engine_abi::ExecutionState& state, std::span<const MemoryRegion> regions);
// `mem` programs: r1 = mem.data(), r2 = mem.size(), and mem is also the packet (and the
// one writable region).
Result<uint64_t> run_native_mem(const jit::CompiledProgram& code, std::span<uint8_t> mem);

} // namespace ebpfjit::runtime
