// ebpfjit run PROGRAM.bin --type mem --mem INPUT [--engine jit|interp]
// ebpfjit run OBJECT.o --program NAME [--type mem] --mem INPUT [--json FILE] [--engine jit|interp]
//   hardening, both forms: [--harden] [--retpoline] [--max-insns N]
//   BPF objects: [--allow-ptr-leaks] (the verifier's privileged rules),
//                [--map-max-entries NAME=N]... (map sizes before load)
//                [--inline-globals SECTION]... (Cilium's CONFIG() inlining)
//                [--fire-timers] (every armed bpf_timer's callback runs after the run)
#include <fmt/format.h>

#include <memory>
#include <string>

#include "ebpfjit/raw_program.hpp"
#include "tools/cli/map_sizes.hpp"
#include "tools/cli/run_object.hpp"
#include "tools/cli/verb.hpp"
#include "tools/cli/verb_run_pcap.hpp"

namespace ebpfjit::cli {

Verb register_run(CLI::App& app) {
    struct Options {
        std::string program;
        std::string type = "mem";
        std::string mem;
        std::string engine = "jit";
        std::string program_name; // ELF objects
        std::string json;         // ELF objects
        PcapRunOptions pcap;      // ELF objects over a capture
        Hardening hardening;
        bool allow_ptr_leaks = false; // BPF objects
        std::vector<std::string> map_sizes; // BPF objects: --map-max-entries NAME=N
        std::vector<std::string> inline_globals; // BPF objects: --inline-globals SECTION
        std::string core_btf;                    // BPF objects: --core-btf FILE
        bool fire_timers = false; // BPF objects: --fire-timers
    };
    auto opts = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand("run", "Run a raw .bin program or a program of a BPF object; print r0");
    cmd->add_option("PROGRAM", opts->program, "Raw program (.bin) or clang-built BPF object (.o)")->required();
    cmd->add_option("--program", opts->program_name, "Program (symbol name) to run from a BPF object");
    cmd->add_option("--json", opts->json, "BPF objects: write r0 and the final map contents to FILE");
    cmd->add_option("--type", opts->type, "Program type: mem (r1 = input bytes, r2 = their length)")
        ->check(CLI::IsMember({"mem"}))
        ->capture_default_str();
    cmd->add_option("--mem", opts->mem, "File whose bytes the program gets (a writable copy); none: empty");
    cmd->add_option("--engine", opts->engine, "Execution engine")
        ->check(CLI::IsMember(RawEngine::names()))
        ->capture_default_str();
    cmd->add_flag("--harden", opts->hardening.blind_constants,
                  "jit: constant blinding (every immediate XORed with a random key)");
    cmd->add_flag("--retpoline", opts->hardening.retpoline,
                  "jit, x86-64: indirect calls (callx, helpers) through a retpoline");
    cmd->add_option("--max-insns", opts->hardening.instruction_budget,
                    "Stop the run with an error after N instructions (interp: exact; jit: charged at "
                    "loop back-edges and calls); 0: no limit");
    add_allow_ptr_leaks_option(*cmd, opts->allow_ptr_leaks);
    add_map_size_option(*cmd, opts->map_sizes);
    add_inline_globals_option(*cmd, opts->inline_globals);
    add_core_btf_option(*cmd, opts->core_btf);
    add_pcap_run_options(*cmd, opts->pcap);
    cmd->add_flag("--fire-timers", opts->fire_timers,
                  "BPF objects with bpf_timer maps: after the run, every armed timer's callback runs as if "
                  "its time had come (without it, only those already due run)");
    cmd->footer("Example: ebpfjit run prog.bin --type mem --mem packet.bin\n"
                "         ebpfjit run build/examples/xdp_firewall.o --program xdp_firewall \\\n"
                "           --pcap examples/pcaps/firewall.pcap --map-init examples/xdp_firewall.maps.json\n"
                "         ebpfjit run sum.o --program sum_bytes --type mem --mem input.bin --json maps.json\n"
                "The last line of output is `r0 = <unsigned decimal> (0x<hex>)`.");

    return {cmd, [opts, cmd] {
                const Hardening& hardening = opts->hardening;
                auto sizes = parse_map_sizes(opts->map_sizes);
                if (!sizes) return report(sizes.error());
                if (!opts->pcap.pcap.empty()) {
                    opts->pcap.json = opts->json;
                    opts->pcap.hardening = hardening;
                    opts->pcap.allow_ptr_leaks = opts->allow_ptr_leaks;
                    opts->pcap.map_max_entries = *sizes;
                    opts->pcap.inline_globals = opts->inline_globals;
                    opts->pcap.core_btf = opts->core_btf;
                    opts->pcap.fire_timers = opts->fire_timers;
                    return run_pcap(opts->program, opts->program_name, opts->engine, opts->pcap);
                }
                auto engine = RawEngine::find(opts->engine, hardening);
                if (!engine) return report(engine.error());
                std::vector<uint8_t> memory;
                if (!opts->mem.empty()) {
                    auto bytes = read_file_bytes(opts->mem);
                    if (!bytes) return report(bytes.error());
                    memory = std::move(*bytes);
                }
                if (!opts->program_name.empty() || looks_like_elf(opts->program)) {
                    RunObjectRequest request{opts->program, opts->program_name, std::nullopt, std::move(memory),
                                             opts->json};
                    if (cmd->count("--type") > 0) request.type = program_type_from_name(opts->type);
                    request.engine = engine_from_name(opts->engine).value_or(Engine::Jit);
                    request.hardening = hardening;
                    request.allow_ptr_leaks = opts->allow_ptr_leaks;
                    request.map_max_entries = *sizes;
                    request.inline_globals = opts->inline_globals;
                    request.core_btf = opts->core_btf;
                    request.fire_timers = opts->fire_timers;
                    return run_object(request);
                }
                if (!opts->json.empty()) return report(Error::plain("--json needs a BPF object (.o)"));
                if (!sizes->empty()) return report(Error::plain("--map-max-entries needs a BPF object (.o)"));
                if (!opts->inline_globals.empty())
                    return report(Error::plain("--inline-globals needs a BPF object (.o)"));
                if (!opts->core_btf.empty()) return report(Error::plain("--core-btf needs a BPF object (.o)"));
                if (opts->allow_ptr_leaks)
                    return report(Error::plain("--allow-ptr-leaks needs a BPF object (.o): raw programs are "
                                               "not verified at full level"));
                auto program = RawProgram::load(opts->program);
                if (!program) return report(program.error());
                auto r0 = engine->run_mem(*program, memory);
                if (!r0) {
                    Error e = r0.error();
                    if (e.file.empty()) e.file = opts->program;
                    return report(e);
                }
                fmt::print("r0 = {} ({:#x})\n", *r0, *r0);
                return 0;
            }};
}

} // namespace ebpfjit::cli
