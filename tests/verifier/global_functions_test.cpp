// Global functions verified once by their BTF prototype (verifier/global_calls.hpp), on the
// C programs of c/ (their verdicts are c_programs_test.cpp's): what the loader reads, the
// processed count against the inline walk, the log, and the privileged refusal.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "corpus.hpp"
#include "program_builder.hpp"
#include "runtime/elf/loader.hpp"
#include "verifier/merge_walks.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::verifier::test {

namespace {

struct Loaded {
    runtime::elf::ObjectDescription object;
    const runtime::elf::ProgramSpec* program = nullptr;
};

Loaded load(const std::string& stem) {
    auto obj = runtime::elf::read_object_file(std::string(EBPFJIT_VERIFIER_C_OBJECT_DIR) + "/" + stem + ".o");
    REQUIRE(obj.has_value());
    REQUIRE(obj->programs.size() == 1);
    Loaded l{std::move(*obj), nullptr};
    l.program = &l.object.programs[0];
    return l;
}

VerifierInput input_for(const Loaded& l) {
    VerifierInput in = corpus_input(l.program->type);
    in.maps.clear();
    for (const auto& m : l.object.maps) in.maps.push_back(m.def);
    for (const auto& li : l.program->line_info) in.line_info.push_back({li.slot, li.to_string()});
    in.global_functions = l.program->global_functions;
    return in;
}

} // namespace

TEST_CASE("Global functions: the loader reads linkage and prototype from BTF", "[verifier][global]") {
    const Loaded l = load("xdp_global_state");
    REQUIRE(l.program->global_functions.size() == 1);
    const GlobalFunction& fn = l.program->global_functions[0];
    CHECK(fn.name == "add_byte");
    CHECK(fn.start > 0);
    CHECK(fn.unsupported.empty());
    CHECK_FALSE(fn.returns_void);
    REQUIRE(fn.args.size() == 2);
    CHECK(fn.args[0] == GlobalArg{GlobalArgKind::Ctx, 0});
    CHECK(fn.args[1] == GlobalArg{GlobalArgKind::Memory, 8});

    const Loaded v = load("global_void_ptr_arg");
    REQUIRE(v.program->global_functions.size() == 2);
    for (const GlobalFunction& g : v.program->global_functions) {
        INFO(g.name << ": " << g.unsupported);
        if (g.name == "first_word") CHECK(g.unsupported.find("size cannot be determined") != std::string::npos);
        else CHECK(g.unsupported.find("doesn't return scalar") != std::string::npos);
    }
}

TEST_CASE("Global functions: verified once, fewer processed instructions than inline", "[verifier][global]") {
    const Loaded l = load("xdp_global_state");
    VerifierInput summarised = input_for(l);
    summarised.log_level = 1;
    VerifierInput inline_walk = input_for(l);
    inline_walk.global_functions.clear();
    const Report once = check(l.program->program, summarised);
    const Report each = check(l.program->program, inline_walk);
    INFO(once.log);
    REQUIRE(once.ok());
    REQUIRE(each.ok());
    CHECK(once.stats.processed_insns < each.stats.processed_insns);
    CHECK(once.stats.processed_insns <= 63); // kernel 6.18: 63 processed, the callee's 23 included
    CHECK(once.log.find("('add_byte') is global: verified once on its own") != std::string::npos);
    // The callee's slots are reachable and its ctx accesses typed, from its own walk.
    const uint32_t start = l.program->global_functions[0].start;
    CHECK(once.facts.is_reachable(start));
    CHECK(once.facts.ctx_access == each.facts.ctx_access);
    CHECK(once.facts.reachable == each.facts.reachable);
}

TEST_CASE("Global functions: nested calls are summarised in each function's own walk", "[verifier][global]") {
    const Loaded l = load("xdp_global_nested");
    VerifierInput in = input_for(l);
    in.log_level = 1;
    VerifierInput inline_walk = input_for(l);
    inline_walk.global_functions.clear();
    const Report once = check(l.program->program, in);
    const Report each = check(l.program->program, inline_walk);
    INFO(once.log);
    REQUIRE(once.ok());
    REQUIRE(each.ok());
    CHECK(once.log.find("('four') is global: verified once on its own") != std::string::npos);
    CHECK(once.log.find("('leaf') is global: verified once on its own") != std::string::npos);
    CHECK(once.stats.processed_insns < each.stats.processed_insns);
    CHECK(once.stats.processed_insns <= 85); // kernel 6.18: 85
    CHECK(once.facts.reachable == each.facts.reachable);
    CHECK(once.facts.ctx_access == each.facts.ctx_access);
}

TEST_CASE("Global functions: a callee without its own proof is walked inline, and says so", "[verifier][global]") {
    const Loaded l = load("reject_global_null_deref");
    VerifierInput in = input_for(l);
    in.log_level = 1;
    const Report r = check(l.program->program, in);
    INFO(r.log);
    REQUIRE_FALSE(r.ok());
    CHECK(r.log.find("('bump') is global, but its own proof failed") != std::string::npos);
}

TEST_CASE("Global functions: an unsupported prototype is walked inline", "[verifier][global]") {
    const Loaded l = load("global_void_ptr_arg");
    VerifierInput in = input_for(l);
    in.log_level = 1;
    const Report r = check(l.program->program, in);
    INFO(r.log);
    CHECK(r.ok());
    CHECK(r.log.find("('first_word') is global, but its prototype is not supported") != std::string::npos);
    CHECK(r.log.find("('larger') is global, but its prototype is not supported") != std::string::npos);
}

TEST_CASE("Global functions: passed memory comes back as data, privileged too", "[verifier][global]") {
    const Loaded l = load("reject_global_spilled_packet");
    VerifierInput in = input_for(l);
    in.allow_ptr_leaks = true;
    const Report r = check(l.program->program, in);
    REQUIRE_FALSE(r.ok());
    INFO(r.rejection->headline);
    CHECK(r.rejection->reason == Reason::InvalidMemoryAccess);
    CHECK(r.rejection->headline.find("privileged: rejected here") != std::string::npos);
    // Walked inline (no prototype), the pointer survives the call and the program is safe.
    in.global_functions.clear();
    CHECK(check(l.program->program, in).ok());
}

TEST_CASE("Global functions: a call-site refusal names the function as the kernel does", "[verifier][global]") {
    const Loaded l = load("reject_global_ctx_arg");
    const Report r = check(l.program->program, input_for(l));
    REQUIRE_FALSE(r.ok());
    INFO(r.rejection->headline);
    CHECK(r.rejection->headline.find("Caller passes invalid args into func#1 ('queue_of')") != std::string::npos);
    CHECK(r.rejection->headline.find("expects pointer to ctx") != std::string::npos);
}

TEST_CASE("Global functions: a loop walked in the callee's own proof leaves the program no run-length bound",
          "[verifier][global][termination]") {
    // main sums its buffer (a loop the loop pass ranks), then calls g, whose 3-trip loop its
    // own walk enumerates: no ranking record bounds g's trips, so the merged proof may not
    // claim a bound on the run (ranking.hpp), and main's loop keeps the budget.
    Builder b;
    b.mov(r0, 0).mov(r3, 0).j(Cond::Ge, r3, r2, "out");
    b.label("loop").mov(r4, r1).add(r4, r3).ldx(Size::B, r5, r4, 0).add(r0, r5);
    b.add(r3, 1).j(Cond::Lt, r3, r2, "loop").label("out");
    b.mov(r7, r0).mov(r1, r0).call_local("g").add(r0, r7).exit();
    const uint32_t g_start = uint32_t(b.size());
    b.label("g").mov(r0, 0).mov(r2, 0);
    b.label("g_loop").add(r0, r1).add(r2, 1).j(Cond::Lt, r2, 3, "g_loop").exit();
    const isa::Program program = b.build();

    VerifierInput in = corpus_input(ProgramType::Mem);
    in.global_functions.push_back(GlobalFunction{g_start, "g", {{GlobalArgKind::Scalar, 0}}, false, ""});
    in.log_level = 1;
    const Report r = check(program, in);
    INFO(r.log);
    REQUIRE(r.ok());
    CHECK(r.log.find("('g') is global: verified once on its own") != std::string::npos);
    CHECK(r.facts.is_reachable(g_start + 2)); // g's loop, from its own walk
    CHECK(r.facts.run_length_bound == 0);
    CHECK(std::find(r.facts.budget_loops.begin(), r.facts.budget_loops.end(), 3u) != r.facts.budget_loops.end());
    // Asked for a proof of termination, the program is proven again with g inline, where
    // the loop pass ranks both loops.
    in.require_termination_proof = true;
    const Report whole = check(program, in);
    INFO(whole.log);
    REQUIRE(whole.ok());
    CHECK(whole.facts.budget_loops.empty());
    CHECK(whole.facts.run_length_bound > 0);
}

TEST_CASE("Global functions: a scalar argument must be a scalar", "[verifier][global]") {
    // g(int) called with the buffer pointer: the kernel's "R1 is not a scalar".
    Builder b;
    b.call_local("g").exit();
    const uint32_t g_start = uint32_t(b.size());
    b.label("g").mov(r0, r1).exit();
    VerifierInput in = corpus_input(ProgramType::Mem);
    in.global_functions.push_back(GlobalFunction{g_start, "g", {{GlobalArgKind::Scalar, 0}}, false, ""});
    const Report r = check(b.build(), in);
    REQUIRE_FALSE(r.ok());
    CHECK(r.rejection->insn == 0);
    CHECK(r.rejection->headline.find("Caller passes invalid args into func#1 ('g'): arg#0 (scalar): R1 is not a "
                                     "scalar") != std::string::npos);
}

TEST_CASE("Global functions: walks' facts merge slot by slot", "[verifier][global]") {
    Builder b;
    b.ldx(Size::W, r0, r1, 0).mov(r2, 3).alu(AluOp::Div, r0, r2).exit();
    const isa::Program program = b.build();
    auto facts = [&](bool reach_load, bool via_ctx, bool div_safe) {
        Facts f;
        f.reachable = {reach_load, true, true, true};
        f.access_in_bounds = {reach_load, false, false, false};
        f.divisor_safe = {false, false, div_safe, false};
        f.upper32_zero = {0, 0, 0x4, 0};
        f.ctx_access.assign(4, CtxAccess{});
        if (via_ctx) f.ctx_access[0] = CtxAccess{true, 0, 4};
        return f;
    };
    // A slot one walk reached takes that walk's facts; both reached: the facts of both.
    Facts merged = facts(false, false, true);
    REQUIRE_FALSE(merge_walk_facts(merged, facts(true, true, false), program));
    CHECK(merged.reachable[0]);
    CHECK(merged.ctx_access[0].via_ctx);
    CHECK(merged.access_in_bounds[0]);
    CHECK_FALSE(merged.divisor_safe[2]);
    CHECK(merged.upper32_zero[2] == 0x4);
    // The load through the ctx in one walk and through another pointer in the other: the
    // ctx rewrite could convert it only one way.
    auto conflict = merge_walk_facts(merged, facts(true, false, true), program);
    REQUIRE(conflict);
    CHECK(conflict->insn == 0);
    CHECK(conflict->violation.reason == Reason::ContextAccess);
}

} // namespace ebpfjit::verifier::test
