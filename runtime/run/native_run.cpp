#include "runtime/run/native_run.hpp"

#include "runtime/run/lean_run.hpp"
#include "runtime/run/run_scope.hpp"

namespace ebpfjit::runtime {

Result<uint64_t> run_native(const jit::CompiledProgram& code, uint64_t r1, uint64_t r2,
                            std::span<const uint8_t> packet, std::span<const MemoryRegion> regions) {
    if (const LeanEntry lean = LeanEntry::of(&code)) return run_lean(lean, r1, r2, packet.data(), packet.size());
    engine_abi::ExecutionState state;
    RunScope scope(code, state);
    return scope.run(r1, r2, packet, regions);
}

Result<uint64_t> run_native(const jit::CompiledProgram& code, uint64_t r1, uint64_t r2,
                            std::span<const uint8_t> packet, engine_abi::ExecutionState& state,
                            std::span<const MemoryRegion> regions) {
    if (const LeanEntry lean = LeanEntry::of(&code)) {
        // The fields a run resets, though no helper of this program reads them.
        state.type = code.type();
        state.ctx = reinterpret_cast<void*>(r1);
        state.tail_calls = 0;
        state.redirect = {};
        return run_lean(lean, r1, r2, packet.data(), packet.size());
    }
    RunScope scope(code, state);
    return scope.run(r1, r2, packet, regions);
}

Result<uint64_t> run_native_callback(const jit::CompiledProgram& code, uint64_t fn, const std::array<uint64_t, 5>& args,
                                     engine_abi::ExecutionState& state, std::span<const MemoryRegion> regions) {
    // Always a scope, even for lean code: a callback thunk reads its RunStatus (the stack).
    RunScope scope(code, state);
    return scope.run_callback(fn, args, regions);
}

namespace {

// run_native_mem but for stackless lean code: out of line, so that its fast path saves no
// register for them.
[[gnu::noinline]] Result<uint64_t> run_mem_scoped(const jit::CompiledProgram& code, std::span<uint8_t> mem) {
    // The scope inline, not through run_native: the region span would go through the
    // stack (the 7th argument), and reloading it as one 16-byte value right after two
    // 8-byte stores stalls store forwarding, a measurable part of a ~10 ns run.
    const auto start = reinterpret_cast<uint64_t>(mem.data());
    if (const LeanEntry lean = LeanEntry::of(&code)) return run_lean(lean, start, mem.size(), mem.data(), mem.size());
    const MemoryRegion input{start, mem.size(), true};
    engine_abi::ExecutionState state;
    RunScope scope(code, state);
    return scope.run(input.start, input.size, mem, std::span(&input, 1));
}

} // namespace

Result<uint64_t> run_native_mem(const jit::CompiledProgram& code, std::span<uint8_t> mem) {
    // Stackless lean code (it never uses its RunStatus: lean_run.hpp) is one call; the
    // rest out of line.
    if (code.lean() && !code.run_needs().status && code.instruction_budget() == 0) [[likely]]
        return run_lean_stackless(LeanEntry{code.entry(), false, false, 0, &code},
                                  reinterpret_cast<uint64_t>(mem.data()), mem.size(), mem.data(), mem.size());
    return run_mem_scoped(code, mem);
}

} // namespace ebpfjit::runtime
