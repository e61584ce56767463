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
        Analyzer analyzer(program, input, *shape);
        analyzer.run(report);
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
