// ebpfjit verify OBJECT [--program NAME] [--log-level 0|1|2] [--verify full|structural] [--type T]
//                [--allow-ptr-leaks] [--require-termination-proof] [--map-max-entries NAME=N]... [--inline-globals SECTION]...
#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <memory>
#include <string>

#include "ebpfjit/verify.hpp"
#include "tools/cli/map_sizes.hpp"
#include "tools/cli/verb.hpp"

namespace ebpfjit::cli {

namespace {

struct VerifyArgs { // as parsed
    std::string object;
    std::string program;
    int log_level = 0;
    std::string level = "full";
    std::string type;
    bool allow_ptr_leaks = false;
    bool require_termination_proof = false;
    std::vector<std::string> map_sizes; // --map-max-entries NAME=N
    std::vector<std::string> inline_globals; // --inline-globals SECTION
    std::string core_btf;                    // --core-btf FILE
};

int run_verify(const VerifyArgs& o) {
    ebpfjit::VerifyOptions options;
    options.program = o.program;
    options.level = o.level == "structural" ? VerifyLevel::Structural : VerifyLevel::Full;
    options.log_level = o.log_level;
    options.allow_ptr_leaks = o.allow_ptr_leaks;
    options.require_termination_proof = o.require_termination_proof;
    if (!o.type.empty()) {
        auto t = program_type_from_name(o.type);
        if (!t) return report(Error::plain(fmt::format("unknown program type '{}'", o.type)));
        options.program_type = *t;
    }
    auto sizes = parse_map_sizes(o.map_sizes);
    if (!sizes) return report(sizes.error());
    options.map_max_entries = *sizes;
    options.inline_globals = o.inline_globals;
    options.core_btf = o.core_btf;
    auto reports = verify_object(o.object, options);
    if (!reports) return report(reports.error());

    bool all_ok = true;
    for (const VerifyReport& r : *reports) {
        if (o.log_level >= 1 && !r.log.empty()) fmt::print("{}", r.log);
        if (r.accepted) {
            fmt::print("{} ({}, {} insns): ok, {} instructions processed, {} states pruned, {:.0f} us, "
                       "{:.1f} MiB of states at most\n",
                       r.program, to_string(r.type), r.instructions, r.stats.processed_insns,
                       r.stats.states_pruned, r.stats.micros, static_cast<double>(r.stats.peak_state_bytes) / (1 << 20));
            for (const VerifyReport::RankedLoop& l : r.ranked_loops)
                fmt::print("  loop at insn {} ends: r{} grows by {} or more a trip, at most {} trips an entry\n",
                           l.head, l.counter, l.min_step, l.max_trips);
            if (r.run_length_bound != 0)
                fmt::print("  a run executes at most {} instructions\n", r.run_length_bound);
            // Budget loops that are ranked end, but the run may be longer than the budget.
            std::vector<uint32_t> unproven;
            for (uint32_t head : r.budget_loops)
                if (std::none_of(r.ranked_loops.begin(), r.ranked_loops.end(), [&](const auto& l) { return l.head == head; }))
                    unproven.push_back(head);
            if (!unproven.empty())
                fmt::print("  loops bounded by the instruction budget, not proven to terminate: at insn {}\n",
                           fmt::join(unproven, ", "));
            else if (!r.budget_loops.empty())
                fmt::print("  every loop ends, but a run may exceed 2^32 instructions: the instruction budget bounds it\n");
        } else {
            all_ok = false;
            fmt::print("{} ({}, {} insns): rejected: {} [{}]\n", r.program, to_string(r.type), r.instructions,
                       r.headline, r.reason);
        }
    }
    return all_ok ? 0 : 1;
}

} // namespace

Verb register_verify(CLI::App& app) {
    auto o = std::make_shared<VerifyArgs>();
    CLI::App* cmd = app.add_subcommand("verify", "Verify the programs of a BPF ELF object (exit 1 if any is rejected)");
    cmd->add_option("OBJECT", o->object, "clang -target bpf object (.o)")->required();
    cmd->add_option("--program", o->program, "Only this program (symbol name, or a section holding one program)");
    cmd->add_option("--log-level", o->log_level, "Verifier log: 0 headline, 1 + state at the error, 2 every insn")
        ->check(CLI::Range(0, 2));
    cmd->add_option("--verify", o->level, "Verification level")->check(CLI::IsMember({"full", "structural"}));
    cmd->add_option("--type", o->type, "Program type instead of the section's (xdp, tc, socket, mem)");
    add_allow_ptr_leaks_option(*cmd, o->allow_ptr_leaks);
    cmd->add_flag("--require-termination-proof", o->require_termination_proof,
                  "Reject a program with a loop the verifier proves memory safe but cannot prove to end "
                  "within 2^32 instructions (as the kernel does: too complex) instead of accepting it to run "
                  "under an instruction budget; loops it walks or ranks are accepted");
    add_map_size_option(*cmd, o->map_sizes);
    add_inline_globals_option(*cmd, o->inline_globals);
    add_core_btf_option(*cmd, o->core_btf);
    cmd->footer("Example: ebpfjit verify xdp_fw.o --program xdp_main --log-level 1");
    return {cmd, [o] { return run_verify(*o); }};
}

} // namespace ebpfjit::cli
