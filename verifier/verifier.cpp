#include "verifier/verifier.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

#include <fmt/format.h>

#include "verifier/analyzer.hpp"
#include "verifier/global_calls.hpp"
#include "verifier/ranking.hpp"
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

// Rejections the loop pass may overturn: the walk ran out of budget, or an access's
// bounds need a relation between two unknowns (i < len) that only the zone keeps.
bool loop_pass_may_help(Reason r) {
    return r == Reason::ComplexityLimit || r == Reason::PacketOutOfBounds || r == Reason::StackOutOfBounds ||
           r == Reason::MapValueOutOfBounds || r == Reason::MemoryOutOfBounds;
}

// The innermost loop (of those whose head is in `heads`) holding slot `pc`: its head.
std::optional<uint32_t> innermost_loop(const isa::Program& program, const std::vector<uint32_t>& heads, uint32_t pc) {
    std::optional<uint32_t> best;
    for (size_t src = pc; src < program.size(); ++src) {
        const auto* j = std::get_if<isa::Jump>(&program.insns[src]);
        if (!j || j->target > int64_t(pc)) continue;
        const uint32_t head = uint32_t(j->target);
        if (std::find(heads.begin(), heads.end(), head) == heads.end()) continue;
        if (!best || head > *best) best = head;
    }
    return best;
}

// The loop pass; where it rejects an access inside a loop whose states it joined, once
// more with that loop enumerated instead (a binary search's inner loop, a run of at
// most 255 bytes: their bounds are path facts a join loses), up to kRetries times. The
// attempts share one processed-instruction budget (the input's complexity limit).
// Run where the walk gave up (`impatient`: the walk waits to go on, having processed
// `walk_so_far`), no attempt processes more than the walk did before it gave up, and a
// retry does not enumerate the walk's own loop (`hold_back`: the walk goes on to
// enumerate it itself) nor go round any loop it enumerates more often than the walk would
// have (2048 trips and 64 per entry): such an attempt is left (`deferred`) for a later
// call, once the walk failed too. A retry that enumerated a 700-trip checksum loop the walk had left ran 188,166
// instructions before failing on the program's second checksum loop, and the walk then
// proved the program in 134,576 (xvs's forward program: a retry of 990,920, then the walk
// 407,594). The report is the first attempt's, with the stats of every attempt this call
// ran.
struct LoopPassAttempts {
    std::vector<uint32_t> enumerated;
    uint64_t used = 0;
    int attempt = 0;
    std::optional<Report> first;
    bool deferred = false; // the attempt with `enumerated` is still to be run, patiently
};

Report loop_pass(const isa::Program& program, const VerifierInput& input, const ProgramShape& shape,
                 const WalkScope& scope, LoopPassAttempts& at, std::optional<uint32_t> hold_back = std::nullopt,
                 uint64_t walk_so_far = 0) {
    constexpr int kRetries = 3;
    const bool impatient = hold_back.has_value();
    const uint64_t limit = std::min(input.complexity_limit, kComplexityLimit);
    VerifierInput budgeted = input;
    Stats spent;
    at.deferred = false;
    for (; at.used < limit; ++at.attempt) {
        Report r;
        budgeted.complexity_limit = limit - at.used;
        const bool retry_capped = impatient && walk_so_far < budgeted.complexity_limit;
        if (retry_capped) budgeted.complexity_limit = walk_so_far;
        Analyzer pass(program, budgeted, shape, /*loop_pass=*/true, scope);
        pass.enumerate_at(at.enumerated);
        if (impatient) pass.give_up_enumerating_after(kWalkLoopArrivals);
        pass.run(r);
        at.used += std::min(r.stats.processed_insns, budgeted.complexity_limit);
        spent.add(r.stats);
        if (r.ok()) {
            r.stats = spent;
            return r;
        }
        // An enumerated loop went round too often, or the retry cost what the walk had: later.
        if (pass.walk_gave_up() ||
            (retry_capped && r.rejection->reason == Reason::ComplexityLimit &&
             r.stats.processed_insns > budgeted.complexity_limit)) {
            at.deferred = true;
            break;
        }
        if (!at.first) at.first = r;
        if (at.attempt == kRetries || r.rejection->reason == Reason::ComplexityLimit) break;
        auto head = innermost_loop(program, pass.joined_heads(), r.rejection->insn);
        if (!head) break;
        at.enumerated.push_back(*head);
        if (head == hold_back) {
            at.deferred = true;
            ++at.attempt;
            break;
        }
    }
    Report first = at.first ? *at.first : Report{};
    if (!at.first) first.rejection = Rejection{Reason::ComplexityLimit, 0, "no loop pass attempt left"};
    first.stats = spent;
    return first;
}

// The loop pass the other way round, for a program the first one rejects: states meet only
// at the loop where the walk gave up (`walk_head`), and every other loop is enumerated as the
// walk does, up to kWalkLoopArrivals arrivals at its head, after which its states are joined
// too (Analyzer::limit_loop_arrivals). What the first pass lost to joins at small
// constant-bounded loops (an index and a pointer clang strength-reduced from it, `p += 4`
// beside `i++`: a zone relates no multiple) stays exact here, as in the walk, while the loop
// the walk could not finish is still joined.
Report enumerating_pass(const isa::Program& program, const VerifierInput& input, const ProgramShape& shape,
                        const WalkScope& scope, uint32_t walk_head, uint64_t budget) {
    Report r;
    VerifierInput budgeted = input;
    budgeted.complexity_limit = budget;
    std::vector<uint32_t> enumerated = cycle_heads(program);
    std::erase(enumerated, walk_head);
    if (enumerated.empty()) { // the first pass again
        r.rejection = Rejection{Reason::ComplexityLimit, walk_head, "no other loop to enumerate"};
        return r;
    }
    Analyzer pass(program, budgeted, shape, /*loop_pass=*/true, scope);
    pass.enumerate_at(std::move(enumerated));
    pass.limit_loop_arrivals(kWalkLoopArrivals);
    pass.run(r);
    return r;
}

// The loop pass's rejection where the path walk only ran out of budget: the access it names
// was not proven over joined loop states, which may hold values no single path has (kmesh's
// policy_check: an index the source bounds by 4 widened to 8,191), so the headline says how
// it was found and where the walk stopped.
Report found_with_joins(Report loops, const Report& walk) {
    loops.rejection->headline += fmt::format(" [found with the states of loops joined; the path walk alone: {}]",
                                             walk.rejection->headline);
    return loops;
}

} // namespace

// Full level: the kernel-style path walk, and where it gives up on a loop (or needs a
// relation), the loop pass (docs/loop-verification.md). Either one's acceptance is a proof.
// The loop pass runs where the walk gives up, and if it does not prove the program, the
// walk goes on from there with its whole budget: what it walked before is not walked again.
Report prove(const isa::Program& program, const VerifierInput& input, const ProgramShape& shape,
             const WalkScope& scope) {
    // Asked for a proof that the program ends, a loop pass counts only where a ranking
    // argument bounds every loop it reached (ranking.hpp); otherwise the kernel's verdict,
    // the walk with its whole budget.
    const bool need_proof = input.require_termination_proof;
    auto proves = [&](const Report& r) { return r.ok() && !(need_proof && !r.facts.budget_loops.empty()); };
    Report walk;
    Analyzer walker(program, input, shape, /*loop_pass=*/false, scope);
    walker.limit_loop_arrivals(kWalkLoopArrivals);
    LoopPassAttempts attempts;
    std::optional<Report> loops;
    walker.on_give_up([&] {
        loops = loop_pass(program, input, shape, scope, attempts, walker.gave_up_at(),
                          walker.processed_before_giving_up());
        return proves(*loops);
    });
    walker.run(walk);
    Stats spent = walk.stats; // every pass's, in the verdict returned
    if (loops) spent.add(loops->stats);
    auto finish = [&](Report r) {
        r.stats = spent;
        return r;
    };
    if (loops && !walker.walked_on()) return finish(std::move(*loops)); // the loop pass proved it
    if (walk.ok()) return finish(std::move(walk));
    if (!loops) { // the walk never gave up: an access only a relation may prove
        if (!loop_pass_may_help(walk.rejection->reason)) return walk;
        loops = loop_pass(program, input, shape, scope, attempts);
        spent.add(loops->stats);
        if (proves(*loops)) return finish(std::move(*loops));
    }
    if (attempts.deferred) { // the retries held back while the walk could still go on
        Report more = loop_pass(program, input, shape, scope, attempts);
        spent.add(more.stats);
        if (proves(more)) return finish(std::move(more));
        loops = std::move(more); // the first attempt's verdict (its first run may have been held back)
    }
    const bool unbounded = loops->ok(); // accepted, but with loops no ranking bounds
    // `walk` is the walk with its whole budget when it went on after giving up.
    const bool full = walker.walked_on();
    // Still rejected: once more with only the loop the walk could not finish joined, where it
    // gave up, or the innermost loop around the access it found unsafe (not when both
    // passes found the same access unsafe: the walk's concrete path and the joins agree,
    // and the pass in between would too, so an unsafe program pays no third pass). Its
    // enumerated loops are budget loops: no use when a proof of termination is asked for.
    std::optional<uint32_t> walk_head;
    if (walker.walk_gave_up()) walk_head = walker.gave_up_at();
    else if (!loops->ok() && loops->rejection->insn != walk.rejection->insn)
        walk_head = innermost_loop(program, cycle_heads(program), walk.rejection->insn);
    // It shares the kernel's budget with the walk that had its whole budget: a program that
    // walk ran out on (loxilb's SCTP loops) is not tried once more for as long again.
    const uint64_t limit = std::min(input.complexity_limit, kComplexityLimit);
    const uint64_t left = full ? limit - std::min(limit, walk.stats.processed_insns) : limit;
    if (!loops->ok() && !need_proof && walk_head && left > 0) {
        Report again = enumerating_pass(program, input, shape, scope, *walk_head, left);
        spent.add(again.stats);
        if (again.ok()) return finish(std::move(again));
    }
    // Rejected: the walk's concrete path says most, unless it only gave up (then the walk
    // with its whole budget, unless the loop pass names an unsafe access).
    if (full) {
        if (unbounded || loops->rejection->reason == Reason::ComplexityLimit ||
            walk.rejection->reason != Reason::ComplexityLimit)
            return finish(std::move(walk));
        return finish(found_with_joins(std::move(*loops), walk));
    }
    if (unbounded || walk.rejection->reason != Reason::ComplexityLimit) return finish(std::move(walk));
    // The loop pass's rejection names the unsafe access; "too complex" says less (both
    // passes too complex: the walk's verdict, with its own count, the kernel's).
    if (loops->rejection->reason == Reason::ComplexityLimit) return walk;
    return finish(found_with_joins(std::move(*loops), walk));
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
        report = prove_program(program, input, *shape);
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
