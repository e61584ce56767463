#include "verifier/global_calls.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "verifier/combined_stack.hpp"
#include "verifier/merge_walks.hpp"
#include "verifier/structural_check.hpp"

namespace ebpfjit::verifier {

namespace {

// What the helpers the function at `start` (or a function or callback it reaches) calls
// may do (an unknown helper may do anything).
struct ReachedHelpers {
    bool changes_packet = false;
    bool tail_calls = false;
};

ReachedHelpers reached_helpers(const isa::Program& program, const ProgramShape& shape,
                               const helpers::HelperTable* table, uint32_t start) {
    ReachedHelpers out;
    std::vector<bool> seen(shape.subprogram_starts.size(), false);
    std::vector<uint32_t> work{shape.subprogram_of[start]};
    seen[work.back()] = true;
    while (!work.empty()) {
        const uint32_t sub = work.back();
        work.pop_back();
        for (size_t pc = size_t(shape.subprogram_starts[sub]); pc < shape.subprogram_end(sub); ++pc) {
            const auto* c = std::get_if<isa::Call>(&program.insns[pc]);
            if (c == nullptr || c->kind != isa::CallKind::Helper) continue;
            const helpers::Helper* h = table ? table->find(c->imm) : nullptr;
            out.changes_packet |= !h || h->changes_packet_data;
            out.tail_calls |= !h || h->proto.tail_call;
        }
        for (const isa::CallEdge& edge : shape.callees[sub]) { // local calls and callbacks
            if (!seen[edge.callee]) {
                seen[edge.callee] = true;
                work.push_back(edge.callee);
            }
        }
    }
    return out;
}

// Global functions some reachable call names, as summaries; the others are noted in `log`.
std::vector<GlobalCallee> summarisable(const isa::Program& program, const VerifierInput& input,
                                       const ProgramShape& shape, std::string& log) {
    std::vector<bool> called(program.size(), false);
    for (size_t pc = 0; pc < program.size(); ++pc)
        if (const auto* c = std::get_if<isa::Call>(&program.insns[pc]);
            c && c->kind == isa::CallKind::Local && shape.reachable[pc] && c->target >= 0 &&
            size_t(c->target) < program.size())
            called[size_t(c->target)] = true;
    std::vector<GlobalCallee> out;
    for (const GlobalFunction& fn : input.global_functions) {
        if (fn.start == 0 || fn.start >= program.size() || !called[fn.start]) continue;
        const uint32_t sub = shape.subprogram_of[fn.start];
        if (uint32_t(shape.subprogram_starts[sub]) != fn.start) continue; // func_info off a subprogram start
        if (!fn.unsupported.empty()) {
            if (input.log_level >= 1)
                log += fmt::format("func#{} ('{}') is global, but its prototype is not supported ({}): walked inline "
                                   "at each call\n",
                                   sub, fn.name, fn.unsupported);
            continue;
        }
        // The caller's packet pointers die at a call that may move the packet or tail-call
        // (the kernel's changes_pkt_data of a subprogram, tail calls included).
        const ReachedHelpers reached = reached_helpers(program, shape, input.helpers, fn.start);
        out.push_back({&fn, sub, reached.changes_packet || reached.tail_calls, reached.tail_calls});
    }
    return out;
}

} // namespace

Report prove_program(const isa::Program& program, const VerifierInput& input, const ProgramShape& shape) {
    if (input.global_functions.empty()) return prove(program, input, shape, WalkScope{});
    std::string notes;
    const std::vector<GlobalCallee> callees = summarisable(program, input, shape, notes);
    std::vector<bool> active(callees.size(), true);
    std::vector<Report> proofs(callees.size());
    std::string callee_logs;
    Stats spent;
    const uint64_t limit = std::min(input.complexity_limit, kComplexityLimit);
    VerifierInput budgeted = input;
    auto scope_of = [&](const GlobalCallee* entry) {
        WalkScope scope;
        scope.entry = entry;
        scope.summarised.assign(program.size(), nullptr);
        for (size_t i = 0; i < callees.size(); ++i)
            if (active[i]) scope.summarised[callees[i].fn->start] = &callees[i];
        return scope;
    };
    auto index_of = [&](uint32_t start) {
        for (size_t i = 0; i < callees.size(); ++i)
            if (callees[i].fn->start == start) return i;
        return callees.size();
    };
    auto walk = [&](const GlobalCallee* entry) {
        budgeted.complexity_limit = limit - std::min(limit, spent.processed_insns);
        const bool any = std::find(active.begin(), active.end(), true) != active.end();
        Report r = prove(program, budgeted, shape, any || entry ? scope_of(entry) : WalkScope{});
        spent.add(r.stats);
        return r;
    };
    // As the kernel (do_check_main, then do_check_subprogs): the program first, then each
    // global function some accepted walk called, on its own. Each proof assumes the
    // functions it calls valid: when one has no proof of its own it is walked inline from
    // then on, and the walks that assumed it are made again.
    Report report;
    std::vector<bool> proven(callees.size(), false);
    for (bool again = true; again;) {
        again = false;
        callee_logs.clear();
        std::fill(proven.begin(), proven.end(), false);
        report = walk(nullptr);
        if (!report.ok()) break;
        std::vector<uint32_t> queue = report.global_calls_reached;
        while (!queue.empty() && !again) {
            const size_t i = index_of(queue.back());
            queue.pop_back();
            if (i == callees.size() || !active[i] || proven[i]) continue;
            proofs[i] = walk(&callees[i]);
            const GlobalFunction& fn = *callees[i].fn;
            if (!proofs[i].ok()) {
                active[i] = false;
                again = true;
                if (input.log_level >= 1)
                    notes += fmt::format("func#{} ('{}') is global, but its own proof failed ({}): walked inline at "
                                         "each call\n",
                                         callees[i].func_index, fn.name, proofs[i].rejection->headline);
                break;
            }
            proven[i] = true;
            queue.insert(queue.end(), proofs[i].global_calls_reached.begin(), proofs[i].global_calls_reached.end());
            if (input.log_level >= 1)
                callee_logs += fmt::format("func#{} ('{}') is global: verified once on its own ({} insns processed), "
                                           "assumed valid at each call\n",
                                           callees[i].func_index, fn.name, proofs[i].stats.processed_insns);
            if (input.log_level >= 2)
                callee_logs += fmt::format("func#{} ('{}') on its own:\n{}", callees[i].func_index, fn.name,
                                           proofs[i].log);
        }
    }
    report.stats = spent;
    report.log = notes + callee_logs + report.log;
    if (!report.ok() || std::find(proven.begin(), proven.end(), true) == proven.end()) return report;
    // One proof of the whole program: the facts of every walk, the combined stack of
    // chains through summarised calls.
    auto reject = [&](uint32_t insn, const Violation& v) {
        std::string line = fmt::format("insn {}: {}", insn, v.text);
        report.rejection = Rejection{v.reason, insn, line};
        report.log += line + "\n";
        report.facts = Facts{};
        return report;
    };
    for (size_t i = 0; i < callees.size(); ++i) {
        if (!proven[i]) continue;
        if (auto conflict = merge_walk_facts(report.facts, proofs[i].facts, program))
            return reject(conflict->insn, conflict->violation);
        for (size_t sub = 0; sub < report.stack_depth.size() && sub < proofs[i].stack_depth.size(); ++sub)
            report.stack_depth[sub] = std::max(report.stack_depth[sub], proofs[i].stack_depth[sub]);
    }
    if (auto v = check_combined_stack(shape, report.facts.reachable, report.stack_depth))
        return reject(v->insn, v->violation);
    finish_merged_loops(report.facts, program);
    // Asked for a proof that the program ends, loops no walk bounded (a callee's walked
    // loop beside ranked ones) do not count: the whole program inline, as before.
    if (input.require_termination_proof && !report.facts.budget_loops.empty()) {
        budgeted.complexity_limit = limit - std::min(limit, spent.processed_insns);
        Report whole = prove(program, budgeted, shape, WalkScope{});
        spent.add(whole.stats);
        whole.stats = spent;
        whole.log = report.log + "global functions give loops without a termination proof: the program walked "
                                 "again, every function inline\n" + whole.log;
        return whole;
    }
    return report;
}

} // namespace ebpfjit::verifier
