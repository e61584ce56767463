// One program of an object, made ready to run once and then shared by every thread:
//
//   ProgramSpec (uapi ctx offsets) ──verify(level)──► Facts
//        │                                              │
//        └──rewrite_ctx_access (xdp/tc/socket)──► isa::Program (host ctx) ──┬──► Interpreter
//                                                                           └──► jit::compile(facts)
//
// Both engines run the same rewritten program, so a Program can be switched between them
// per run; `entry` is what prog arrays hold to tail-call into it (native entry, IR and
// bindings filled, so tail calls work on both engines).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ebpfjit/ebpfjit.h"
#include "ebpfjit/engine.hpp"
#include "ebpfjit/error.hpp"
#include "helpers/program_bindings.hpp"
#include "isa/instruction.hpp"
#include "jit/compiled_program.hpp"
#include "runtime/context/verdict.hpp"
#include "ebpfjit/xdp_frame.hpp"
#include "runtime/elf/object_description.hpp"
#include "engine_abi/execution_state.hpp"
#include "runtime/interpreter.hpp"
#include "runtime/maps/prog_array.hpp"
#include "runtime/run/lean_run.hpp"
#include "runtime/xdp_burst_plan.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::runtime {

struct PrepareOptions {
    Engine engine = Engine::Jit;
    VerifyLevel verify = VerifyLevel::Full;
    int verifier_log_level = 0;
    Hardening hardening = {};
    bool allow_ptr_leaks = false; // verifier::VerifierInput::allow_ptr_leaks
    bool require_termination_proof = false; // verifier::VerifierInput::require_termination_proof
    uint64_t complexity_limit = verifier::kComplexityLimit; // processed instructions (the kernel's 1M)
};

// What the verifier reads from the program itself: its type and attach point, its BTF line
// info and the loader's poisoned CO-RE relocations (verify_object.cpp starts from it too).
verifier::VerifierInput program_verifier_input(const elf::ProgramSpec& spec);
// What the verifier is given for `spec` under `options` (prepare's input, for callers that
// want the verdict alone, as the fuzz harness does).
verifier::VerifierInput verifier_input(const elf::ProgramSpec& spec, const helpers::ProgramBindings& bindings,
                                       std::span<const maps::MapDefinition> map_definitions,
                                       const PrepareOptions& options);

class PreparedProgram {
public:
    // `bindings` and `map_definitions` belong to the object and outlive the program.
    static Result<std::unique_ptr<PreparedProgram>> prepare(const elf::ProgramSpec& spec,
                                                            const helpers::ProgramBindings& bindings,
                                                            std::span<const maps::MapDefinition> map_definitions,
                                                            const PrepareOptions& options);

    const elf::ProgramSpec& spec() const { return *spec_; }
    const PrepareOptions& options() const { return options_; }
    // Loop heads whose termination only the instruction budget ensures (verifier Facts).
    const std::vector<uint32_t>& budget_loops() const { return budget_loops_; }
    Engine engine() const { return options_.engine; }
    bool has_native() const { return native_.has_value(); }
    // The lean entry of native code that needs no per-run state (runtime/run/lean_run.hpp),
    // else empty: what a run on the JIT may call directly.
    const LeanEntry& lean_native() const { return lean_native_; }
    // The same for a mem program, else empty: the fast path of Program::run(mem) and of
    // ebpfjit_program_run_mem, which copy it into their handles.
    const LeanEntry& lean_mem() const { return lean_mem_; }
    const std::string& verifier_log() const { return verifier_log_; }
    const engine_abi::ProgramEntry* tail_call_entry() const { return entry_; }

    // One run on `engine` with the caller's per-run state (`state.cpu` in, the redirect
    // decision out; type, ctx, tail-call count and redirect are reset here). `regions`
    // and the packet's bounds matter to the interpreter and to checked JIT code (verified
    // at structural level only); fully verified JIT code relies on the verifier.
    Result<uint64_t> run(Engine engine, uint64_t r1, uint64_t r2, std::span<const MemoryRegion> regions,
                         std::optional<MemoryRegion> packet, engine_abi::ExecutionState& state) const;

    // Whether `fn`, a callback value a run of this program stored (bpf_timer_set_callback),
    // names one of its callbacks: on the interpreter a subprogram start of its IR, on the
    // JIT an address in its code.
    bool owns_callback(uint64_t fn) const;
    // Runs callback `fn` by itself (a due bpf_timer's) with r1..r5, on the engine whose
    // value `fn` is; `regions`: the memory it is handed (key, value).
    Result<uint64_t> run_callback(uint64_t fn, const std::array<uint64_t, 5>& args,
                                  std::span<const MemoryRegion> regions, engine_abi::ExecutionState& state) const;

    // XDP frames one after another on `engine` with one per-run state, verdicts into
    // `out`; stops at the first fault or null frame, `done` = its index (else frames.size()).
    Result<void> run_xdp_burst(Engine engine, std::span<XdpFrame* const> frames, std::span<XdpVerdict> out,
                               engine_abi::ExecutionState& state, size_t& done) const;

    // The same over the embedder's buffers, in place (zero copy; runtime/xdp_buffer_burst.cpp):
    // `rx` is every frame's ingress; each buffer's bounds come back as the program left
    // them. Stops at the first fault or invalid buffer, `done` = its index.
    // `plan`: what each frame needs on lean code (xdp_burst_plan(); tests compare it with
    // XdpBurstPlan::general(), the loop every program may take).
    Result<void> run_xdp_burst(Engine engine, std::span<XdpBuffer> buffers, const XdpRxInfo& rx,
                               std::span<XdpVerdict> out, engine_abi::ExecutionState& state, size_t& done,
                               const XdpBurstPlan& plan) const;
    // The same writing the C API's results directly (no verdict array to convert).
    Result<void> run_xdp_burst(Engine engine, std::span<XdpBuffer> buffers, const XdpRxInfo& rx,
                               std::span<ebpfjit_xdp_result> out, engine_abi::ExecutionState& state, size_t& done,
                               const XdpBurstPlan& plan) const;
    // The same for lean code (lean_native() is set), which reads no per-run state: the burst
    // takes none.
    Result<void> run_xdp_burst_lean(std::span<XdpBuffer> buffers, const XdpRxInfo& rx, std::span<XdpVerdict> out,
                                    size_t& done, const XdpBurstPlan& plan) const;
    Result<void> run_xdp_burst_lean(std::span<XdpBuffer> buffers, const XdpRxInfo& rx,
                                    std::span<ebpfjit_xdp_result> out, size_t& done, const XdpBurstPlan& plan) const;
    // What a zero-copy burst does per frame for this program, decided when it was prepared
    // (runtime/xdp_burst_plan.hpp); the general plan for other program types.
    const XdpBurstPlan& xdp_burst_plan() const { return xdp_plan_; }

    // `e` naming this program when it names no file (a run's error).
    Error locate(Error e) const;

    // The engine `requested` resolves to for this program, or why it cannot run on it.
    Result<Engine> pick(std::optional<Engine> requested) const;

private:
    PreparedProgram() = default;
    // Both run_xdp_burst over XdpBuffers; `put(i, r0, redirect)` writes frame i's result.
    template <class Put>
    Result<void> run_xdp_buffers(Engine engine, std::span<XdpBuffer> buffers, const XdpRxInfo& rx, Put put,
                                 engine_abi::ExecutionState& state, size_t& done, const XdpBurstPlan& plan) const;
    template <class Put>
    Result<void> run_lean_buffers(std::span<XdpBuffer> buffers, const XdpRxInfo& rx, Put put, size_t& done,
                                  const XdpBurstPlan& plan) const;

    const elf::ProgramSpec* spec_ = nullptr;
    std::vector<uint32_t> budget_loops_;
    std::vector<bool> reachable_; // verifier Facts::reachable: the interpreter's, and tail callers' (entry_)
    PrepareOptions options_;
    isa::Program program_; // ctx accesses rewritten for the host layout
    std::unique_ptr<Interpreter> interpreter_;
    std::optional<jit::CompiledProgram> native_;
    LeanEntry lean_native_; // of *native_ when it is lean
    LeanEntry lean_mem_;    // lean_native_ of a mem program
    XdpBurstPlan xdp_plan_; // XDP programs: from the verifier's facts and the helper table
    std::unique_ptr<engine_abi::ProgramEntry> own_entry_; // interpreter-only programs
    engine_abi::ProgramEntry* entry_ = nullptr;
    std::string verifier_log_;
};

} // namespace ebpfjit::runtime
