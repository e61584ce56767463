#include "verifier/verifier.hpp"

#include <chrono>

#include <fmt/format.h>

#include "verifier/analyzer.hpp"
#include "verifier/structural_check.hpp"
#include "verifier/structural_ctx_typing.hpp"

namespace ebpfjit::verifier {

Error Report::error() const {
    if (!rejection) return Error::plain("program accepted");
    // The headline already starts with "insn N: "; the Error carries N separately.
    std::string msg = rejection->headline;
    std::string prefix = fmt::format("insn {}: ", rejection->insn);
    if (msg.starts_with(prefix)) msg.erase(0, prefix.size());
    return Error::at_insn(rejection->insn, std::move(msg));
}

namespace {

// The path walk enumerates loops up to this many arrivals at one loop head before the
// loop pass takes over (if the loop pass fails, the walk runs again without the limit).
constexpr uint64_t kWalkLoopArrivals = 2048;

void add_stats(Stats& into, const Stats& from) {
    into.processed_insns += from.processed_insns;
    into.states_stored += from.states_stored;
    into.states_pruned += from.states_pruned;
    into.peak_pending = std::max(into.peak_pending, from.peak_pending);
    into.peak_state_bytes = std::max(into.peak_state_bytes, from.peak_state_bytes);
}

// Full level: the kernel-style path walk, and where it gives up on a loop, the loop
// pass (docs/loop-verification.md). Either one's acceptance is a proof.
Report prove(const isa::Program& program, const VerifierInput& input, const ProgramShape& shape) {
    Report walk;
    Analyzer walker(program, input, shape);
    if (!input.require_termination_proof) walker.limit_loop_arrivals(kWalkLoopArrivals);
    walker.run(walk);
    if (walk.ok() || input.require_termination_proof || walk.rejection->reason != Reason::ComplexityLimit)
        return walk;
    Report loops;
    Analyzer(program, input, shape, /*loop_pass=*/true).run(loops);
    add_stats(loops.stats, walk.stats);
    if (loops.ok()) return loops;
    if (walker.walk_gave_up()) { // the walk may still get through with its whole budget
        Report full;
        Analyzer(program, input, shape).run(full);
        add_stats(full.stats, loops.stats);
        if (full.ok() || loops.rejection->reason == Reason::ComplexityLimit) return full;
        loops.stats = full.stats;
    }
    // The loop pass's rejection names the unsafe access; "too complex" says less.
    return loops.rejection->reason == Reason::ComplexityLimit ? walk : loops;
}

} // namespace

Report check(const isa::Program& program, const VerifierInput& input) {
    const auto start = std::chrono::steady_clock::now();
    Report report;
    auto shape = check_structure(program, input);
    if (!shape) {
        const StructuralViolation& v = shape.error();
        std::string headline = fmt::format("insn {}: {}", v.insn, v.violation.text);
        report.rejection = Rejection{v.violation.reason, v.insn, headline};
        report.log = headline + "\n";
    } else if (input.level == Level::Structural) {
        // No proof at this level: ctx accesses are typed conservatively, and every access
        // is checked at run time (structural_ctx_typing.hpp says why that suffices).
        auto ctx = structural_ctx_typing(program, input.type);
        if (!ctx) {
            const StructuralViolation& v = ctx.error();
            std::string headline = fmt::format("insn {}: {}", v.insn, v.violation.text);
            report.rejection = Rejection{v.violation.reason, v.insn, headline};
            report.log = headline + "\n";
        } else {
            report.facts.reachable = shape->reachable;
            report.facts.ctx_access = std::move(*ctx);
        }
    } else {
        report = prove(program, input, *shape);
    }
    report.stats.micros =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
    return report;
}

Result<Facts> verify(const isa::Program& program, const VerifierInput& input) {
    Report report = check(program, input);
    if (!report.ok()) return fail(report.error());
    return std::move(report.facts);
}

} // namespace ebpfjit::verifier
