// include/ebpfjit/verify.hpp: read the object as Object::open does (no maps created, no
// data loaded) and run the verifier on each program with the object's map definitions.
#include "ebpfjit/verify.hpp"

#include <fmt/format.h>

#include "helpers/helper_table.hpp"
#include "runtime/elf/loader.hpp"
#include "runtime/prepared_program.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit {

namespace {

constexpr uint32_t kReadOnlyProg = 1u << 7; // BPF_F_RDONLY_PROG: .rodata is frozen

VerifyStats public_stats(const verifier::Stats& s) {
    return {.processed_insns = s.processed_insns,
            .states_stored = s.states_stored,
            .states_pruned = s.states_pruned,
            .peak_pending = s.peak_pending,
            .peak_state_bytes = s.peak_state_bytes,
            .micros = s.micros};
}

} // namespace

Result<std::vector<VerifyReport>> verify_object(const std::string& path, const VerifyOptions& options) {
    runtime::elf::ReadOptions read;
    read.type_override = options.program_type;
    read.map_max_entries.insert(options.map_max_entries.begin(), options.map_max_entries.end());
    read.inline_globals = options.inline_globals;
    read.core_btf = options.core_btf;
    // As libbpf with autoload off for the others: the rest of the object is not built.
    if (!options.program.empty()) read.only_programs = {options.program};
    auto obj = runtime::elf::read_object_file(path, read);
    if (!obj) return fail(obj.error());
    // By symbol, or by section when it holds one program (iproute2 users: "classifier").
    const auto* wanted = options.program.empty() ? nullptr : obj->find_program(options.program);
    if (!options.program.empty() && !wanted)
        return fail(Error::plain(fmt::format("{}: no program named '{}'", path, options.program)));

    std::vector<VerifyReport> reports;
    for (const auto& prog : obj->programs) {
        if (wanted && &prog != wanted) continue;
        verifier::VerifierInput in = runtime::program_verifier_input(prog);
        in.level = options.level == VerifyLevel::Structural ? verifier::Level::Structural : verifier::Level::Full;
        in.helpers = &helpers::HelperTable::builtin();
        in.log_level = options.log_level;
        in.allow_ptr_leaks = options.allow_ptr_leaks;
        in.require_termination_proof = options.require_termination_proof;
        for (const auto& m : obj->maps) {
            in.maps.push_back(m.def);
            if (m.frozen) in.maps.back().flags |= kReadOnlyProg;
        }
        verifier::Report r = verifier::check(prog.program, in);

        VerifyReport out;
        out.program = prog.name;
        out.type = prog.type;
        out.instructions = prog.program.size();
        out.accepted = r.ok();
        if (r.rejection) {
            out.headline = r.rejection->headline;
            out.reason = std::string(verifier::to_string(r.rejection->reason));
            out.insn = r.rejection->insn;
        }
        if (r.ok()) {
            out.budget_loops = r.facts.budget_loops;
            out.run_length_bound = r.facts.run_length_bound;
            for (const auto& l : r.facts.ranked_loops)
                out.ranked_loops.push_back({l.head, l.counter, l.min_step, l.max_trips});
        }
        out.log = std::move(r.log);
        out.stats = public_stats(r.stats);
        reports.push_back(std::move(out));
    }
    return reports;
}

} // namespace ebpfjit
