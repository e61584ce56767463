// ebpfjit verify OBJECT [--program NAME] [--log-level 0|1|2] [--verify full|structural] [--type T]
//                [--allow-ptr-leaks] [--map-max-entries NAME=N]... [--inline-globals SECTION]...
#include <fmt/format.h>

#include <memory>
#include <string>

#include "helpers/helper_table.hpp"
#include "runtime/elf/loader.hpp"
#include "tools/cli/map_sizes.hpp"
#include "tools/cli/verb.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::cli {

namespace {

struct VerifyOptions {
    std::string object;
    std::string program;
    int log_level = 0;
    std::string level = "full";
    std::string type;
    bool allow_ptr_leaks = false;
    std::vector<std::string> map_sizes; // --map-max-entries NAME=N
    std::vector<std::string> inline_globals; // --inline-globals SECTION
};

constexpr uint32_t kReadOnlyProg = 1u << 7; // BPF_F_RDONLY_PROG: .rodata is frozen

int run_verify(const VerifyOptions& o) {
    runtime::elf::ReadOptions read;
    if (!o.type.empty()) {
        auto t = program_type_from_name(o.type);
        if (!t) return report(Error::plain(fmt::format("unknown program type '{}'", o.type)));
        read.type_override = *t;
    }
    auto sizes = parse_map_sizes(o.map_sizes);
    if (!sizes) return report(sizes.error());
    read.map_max_entries.insert(sizes->begin(), sizes->end());
    read.inline_globals = o.inline_globals;
    // As libbpf with autoload off for the others: the rest of the object is not built.
    if (!o.program.empty()) read.only_programs = {o.program};
    auto obj = runtime::elf::read_object_file(o.object, read);
    if (!obj) return report(obj.error());
    // By symbol, or by section when it holds one program (iproute2 users: "classifier").
    const runtime::elf::ProgramSpec* wanted = o.program.empty() ? nullptr : obj->find_program(o.program);
    if (!o.program.empty() && !wanted)
        return report(Error::plain(fmt::format("{}: no program named '{}'", o.object, o.program)));

    bool all_ok = true;
    for (const auto& prog : obj->programs) {
        if (wanted && &prog != wanted) continue;
        verifier::VerifierInput in;
        in.type = prog.type;
        in.level = o.level == "structural" ? verifier::Level::Structural : verifier::Level::Full;
        in.helpers = &helpers::HelperTable::builtin();
        in.log_level = o.log_level;
        in.allow_ptr_leaks = o.allow_ptr_leaks;
        for (const auto& m : obj->maps) {
            in.maps.push_back(m.def);
            if (m.frozen) in.maps.back().flags |= kReadOnlyProg;
        }
        for (const auto& li : prog.line_info) in.line_info.push_back({li.slot, li.to_string()});
        verifier::Report r = verifier::check(prog.program, in);
        if (o.log_level >= 1 && !r.log.empty()) fmt::print("{}", r.log);
        if (r.ok()) {
            fmt::print("{} ({}, {} insns): ok, {} instructions processed, {} states pruned, {:.0f} us, "
                       "{:.1f} MiB of states at most\n",
                       prog.name, to_string(prog.type), prog.program.size(), r.stats.processed_insns,
                       r.stats.states_pruned, r.stats.micros, static_cast<double>(r.stats.peak_state_bytes) / (1 << 20));
        } else {
            all_ok = false;
            fmt::print("{} ({}, {} insns): rejected: {} [{}]\n", prog.name, to_string(prog.type), prog.program.size(),
                       r.rejection->headline, verifier::to_string(r.rejection->reason));
        }
    }
    return all_ok ? 0 : 1;
}

} // namespace

Verb register_verify(CLI::App& app) {
    auto o = std::make_shared<VerifyOptions>();
    CLI::App* cmd = app.add_subcommand("verify", "Verify the programs of a BPF ELF object (exit 1 if any is rejected)");
    cmd->add_option("OBJECT", o->object, "clang -target bpf object (.o)")->required();
    cmd->add_option("--program", o->program, "Only this program (symbol name, or a section holding one program)");
    cmd->add_option("--log-level", o->log_level, "Verifier log: 0 headline, 1 + state at the error, 2 every insn")
        ->check(CLI::Range(0, 2));
    cmd->add_option("--verify", o->level, "Verification level")->check(CLI::IsMember({"full", "structural"}));
    cmd->add_option("--type", o->type, "Program type instead of the section's (xdp, tc, socket, mem)");
    cmd->add_flag("--allow-ptr-leaks", o->allow_ptr_leaks,
                  "Verify with the kernel's privileged rules (allow_ptr_leaks): still memory-safe, but the "
                  "program may store pointers into maps, packets and records, return them, pass "
                  "them to helpers and compare them: host addresses can leak. Off by default "
                  "(the kernel's unprivileged rules); only for programs you trust");
    add_map_size_option(*cmd, o->map_sizes);
    add_inline_globals_option(*cmd, o->inline_globals);
    cmd->footer("Example: ebpfjit verify xdp_fw.o --program xdp_main --log-level 1");
    return {cmd, [o] { return run_verify(*o); }};
}

} // namespace ebpfjit::cli
