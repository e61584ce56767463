#include "runtime/prepared_program.hpp"

#include <fmt/format.h>

#include "ebpfjit/limits.hpp"
#include "jit/compiler.hpp"
#include "runtime/context/rewrite_ctx_access.hpp"
#include "runtime/run/native_run.hpp"
#include "runtime/run/run_scope.hpp"
#include "verifier/ranking.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::runtime {

namespace {

// Errors of a program's preparation name the program (the instruction index stays).
Error in_program(Error e, const elf::ProgramSpec& spec) {
    if (e.file.empty()) e.file = fmt::format("program '{}' (section '{}')", spec.name, spec.section);
    return e;
}

} // namespace

verifier::VerifierInput program_verifier_input(const elf::ProgramSpec& spec) {
    verifier::VerifierInput input;
    input.type = spec.type;
    input.attach = spec.attach;
    for (const elf::LineInfo& line : spec.line_info) input.line_info.push_back({line.slot, line.to_string()});
    for (const auto& [slot, what] : spec.poisoned_relocations) input.poisoned_relocations.push_back({slot, what});
    input.global_functions = spec.global_functions;
    return input;
}

verifier::VerifierInput verifier_input(const elf::ProgramSpec& spec, const helpers::ProgramBindings& bindings,
                                       std::span<const maps::MapDefinition> map_definitions,
                                       const PrepareOptions& options) {
    verifier::VerifierInput input = program_verifier_input(spec);
    input.level = options.verify == VerifyLevel::Full ? verifier::Level::Full : verifier::Level::Structural;
    input.maps.assign(map_definitions.begin(), map_definitions.end());
    input.helpers = bindings.helpers;
    input.log_level = options.verifier_log_level;
    input.allow_ptr_leaks = options.allow_ptr_leaks;
    input.require_termination_proof = options.require_termination_proof;
    input.complexity_limit = options.complexity_limit;
    return input;
}

Result<std::unique_ptr<PreparedProgram>> PreparedProgram::prepare(const elf::ProgramSpec& spec,
                                                                  const helpers::ProgramBindings& bindings,
                                                                  std::span<const maps::MapDefinition> map_definitions,
                                                                  const PrepareOptions& options) {
    std::unique_ptr<PreparedProgram> prepared(new PreparedProgram());
    prepared->spec_ = &spec;
    prepared->options_ = options;

    // The verifier reads the program as clang compiled it (uapi ctx offsets).
    verifier::Report report = verifier::check(spec.program, verifier_input(spec, bindings, map_definitions, options));
    if (!report.ok()) return fail(in_program(report.error(), spec));
    prepared->verifier_log_ = std::move(report.log);
    // Loops proven memory safe but not terminating (the loop pass) run under an
    // instruction budget unless the embedder chose one (ebpfjit/limits.hpp).
    // A program whose ranked loops bound its run below the default budget gets none:
    // that budget could never stop it.
    static_assert(kDefaultLoopBudget >= verifier::kTerminationBound);
    PrepareOptions& effective = prepared->options_;
    if (!report.facts.budget_loops.empty() && effective.hardening.instruction_budget == 0)
        effective.hardening.instruction_budget = kDefaultLoopBudget;
    prepared->budget_loops_ = report.facts.budget_loops;

    // Host ctx layout, for exactly the accesses the verifier typed as ctx accesses (its
    // facts, at either level); slots do not move, so the facts still index the same
    // instructions.
    if (spec.type == ProgramType::Mem) {
        prepared->program_ = spec.program;
    } else {
        auto rewritten = rewrite_ctx_access(spec.program, spec.type, report.facts);
        if (!rewritten) return fail(in_program(rewritten.error(), spec));
        prepared->program_ = std::move(*rewritten);
    }

    // What a zero-copy burst must do per frame (the verifier read spec.program; the rewrite
    // moved no slot).
    if (spec.type == ProgramType::Xdp)
        prepared->xdp_plan_ = plan_xdp_burst(spec.program, report.facts, *bindings.helpers,
                                             options.verify == VerifyLevel::Full);

    // Both engines stop where the verifier's proof of dead code turns out wrong (the JIT's
    // traps, jit/unreachable_runs.hpp); all true at structural level, which rejects dead code.
    prepared->reachable_ = report.facts.reachable;
    prepared->interpreter_ = std::make_unique<Interpreter>(
        prepared->program_, bindings,
        InterpreterOptions{effective.hardening.instruction_budget, spec.type, prepared->reachable_});

    if (options.engine == Engine::Jit) {
        jit::CompileOptions compile;
        compile.program_type = spec.type;
        compile.hardening = effective.hardening;
        auto native = jit::compile(prepared->program_, report.facts, bindings, compile);
        if (!native) return fail(in_program(native.error(), spec));
        prepared->native_.emplace(std::move(*native));
        prepared->entry_ = prepared->native_->tail_call_entry();
        prepared->lean_native_ = LeanEntry::of(&*prepared->native_);
        if (spec.type == ProgramType::Mem) prepared->lean_mem_ = prepared->lean_native_;
    } else {
        prepared->own_entry_ = std::make_unique<engine_abi::ProgramEntry>();
        prepared->entry_ = prepared->own_entry_.get();
    }
    // What an interpreter run continues with after a tail call into this program.
    prepared->entry_->program = &prepared->program_;
    prepared->entry_->bindings = &bindings;
    prepared->entry_->reachable = &prepared->reachable_;
    if (const verifier::StackZero* z = report.facts.stack_zero_at(0)) { // as the JIT's prologue zeroes them
        prepared->entry_->stack_zero_lo = z->lo;
        prepared->entry_->stack_zero_hi = z->hi;
    }
    return prepared;
}

Error PreparedProgram::locate(Error e) const {
    if (e.file.empty()) e.file = fmt::format("program '{}'", spec_->name);
    return e;
}

Result<Engine> PreparedProgram::pick(std::optional<Engine> requested) const {
    const Engine engine = requested.value_or(options_.engine);
    if (engine == Engine::Jit && !native_)
        return fail(Error::plain(fmt::format("program '{}' was prepared for the interpreter only; "
                                             "open it with engine jit to run native code",
                                             spec_->name)));
    return engine;
}

Result<uint64_t> PreparedProgram::run(Engine engine, uint64_t r1, uint64_t r2, std::span<const MemoryRegion> regions,
                                      std::optional<MemoryRegion> packet, engine_abi::ExecutionState& state) const {
    if (engine == Engine::Interpreter) return interpreter_->run(r1, r2, regions, packet, state);
    if (!native_) return fail(pick(engine).error());
    std::span<const uint8_t> bytes;
    if (packet) bytes = {reinterpret_cast<const uint8_t*>(packet->start), size_t(packet->size)};
    // Checked JIT code (a program verified only at structural level) checks against the
    // same regions the interpreter does; code the verifier proved ignores them.
    return run_native(*native_, r1, r2, bytes, state, regions);
}

bool PreparedProgram::owns_callback(uint64_t fn) const {
    if (interpreter_ && interpreter_->owns_callback(fn)) return true;
    if (!native_) return false;
    const auto code = reinterpret_cast<uint64_t>(native_->code());
    return fn >= code && fn - code < native_->code_size();
}

Result<uint64_t> PreparedProgram::run_callback(uint64_t fn, const std::array<uint64_t, 5>& args,
                                               std::span<const MemoryRegion> regions,
                                               engine_abi::ExecutionState& state) const {
    if (interpreter_ && interpreter_->owns_callback(fn)) return interpreter_->run_callback(fn, args, regions, state);
    if (!owns_callback(fn))
        return fail(locate(Error::plain(fmt::format("callback {:#x} is not one of this program's", fn))));
    // Only the verifier proves that a native callback value is a thunk's entry (a PtrToFunc
    // argument); checked code could have handed the helper any address in its code.
    if (native_->checked())
        return fail(locate(Error::plain(fmt::format("callback {:#x}: a timer callback of JIT code verified below "
                                                    "full level is not run (its address is not proven)",
                                                    fn))));
    auto r0 = run_native_callback(*native_, fn, args, state, regions);
    if (!r0) return fail(locate(std::move(r0.error())));
    return r0;
}

// The per-frame path of a burst. On the JIT, one RunScope serves the whole burst (the
// thread's current state and the callback hook are set once, as rte_bpf_exec_burst does),
// so a frame costs its per-run fields, the native entry and its verdict. Every frame's
// regions go in even for code the verifier proved: it ignores them, but a checked program
// it tail-calls checks against them (and only then is a CheckedRun made).
Result<void> PreparedProgram::run_xdp_burst(Engine engine, std::span<XdpFrame* const> frames,
                                            std::span<XdpVerdict> out, engine_abi::ExecutionState& state, size_t& done) const {
    done = 0;
    if (engine == Engine::Interpreter) {
        for (; done < frames.size(); ++done) {
            XdpFrame* frame = frames[done];
            if (frame == nullptr) [[unlikely]]
                return fail(Error::plain("run_xdp_burst: the frame is null"));
            auto r0 = interpreter_->run(frame->ctx_address(), 0, frame->regions(), std::nullopt, state);
            if (!r0) [[unlikely]]
                return fail(r0.error());
            out[done] = xdp_verdict(*r0, state.redirect);
        }
        return {};
    }
    if (!native_) return fail(pick(engine).error());
    if (lean_native_) { // no helper can set a redirect: one reset serves the burst
        state.redirect = {};
        for (; done < frames.size(); ++done) {
            XdpFrame* frame = frames[done];
            if (frame == nullptr) [[unlikely]]
                return fail(Error::plain("run_xdp_burst: the frame is null"));
            auto r0 = run_lean(lean_native_, frame->ctx_address(), 0, nullptr, 0);
            if (!r0) [[unlikely]]
                return fail(r0.error());
            out[done] = xdp_verdict(*r0, state.redirect);
        }
        return {};
    }
    RunScope scope(*native_, state);
    for (; done < frames.size(); ++done) {
        XdpFrame* frame = frames[done];
        if (frame == nullptr) [[unlikely]]
            return fail(Error::plain("run_xdp_burst: the frame is null"));
        const auto regions = frame->regions();
        auto r0 = scope.run(frame->ctx_address(), 0, {}, regions);
        if (!r0) [[unlikely]]
            return fail(r0.error());
        out[done] = xdp_verdict(*r0, state.redirect);
    }
    return {};
}

} // namespace ebpfjit::runtime
