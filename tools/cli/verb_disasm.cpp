// ebpfjit disasm [--native [--arch x86_64|arm64] [--harden]] FILE.bin
#include <fmt/format.h>

#include <memory>
#include <string>

#include "ebpfjit/raw_program.hpp"
#include "tools/cli/verb.hpp"

namespace ebpfjit::cli {

Verb register_disasm(CLI::App& app) {
    auto input = std::make_shared<std::string>();
    auto native = std::make_shared<bool>(false);
    auto arch = std::make_shared<std::string>(std::string(host_arch_name()));
    CLI::App* cmd = app.add_subcommand("disasm", "Print a raw .bin program in llvm-objdump/bpftool style");
    cmd->add_option("FILE", *input, "Raw program (.bin)")->required();
    cmd->add_flag("--native", *native,
                  "Print the JIT's native code, each eBPF instruction as a comment before its code");
    cmd->add_option("--arch", *arch, "Backend for --native: x86_64 or arm64 (any host; default: this host's)");
    auto hardening = std::make_shared<Hardening>();
    cmd->add_flag("--harden", hardening->blind_constants,
                  "--native: with constant blinding (each immediate XORed with a random key)");
    cmd->footer("Example: ebpfjit disasm prog.bin\n         ebpfjit disasm --native prog.bin\n"
                "         ebpfjit disasm --native --arch arm64 prog.bin\n"
                "         ebpfjit disasm --native --harden prog.bin");

    return {cmd, [input, native, arch, hardening] {
                auto program = RawProgram::load(*input);
                if (!program) return report(program.error());
                if (!*native) {
                    fmt::print("{}", program->disassemble());
                    return 0;
                }
                auto target = parse_arch_name(*arch);
                if (!target) return report(target.error());
                auto listing = program->native_listing(*target, *hardening);
                if (!listing) {
                    Error e = listing.error();
                    if (e.file.empty()) e.file = *input;
                    return report(e);
                }
                fmt::print("{}", *listing);
                return 0;
            }};
}

} // namespace ebpfjit::cli
