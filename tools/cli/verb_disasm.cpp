// ebpfjit disasm [--native] FILE.bin
#include <fmt/format.h>

#include <memory>
#include <string>

#include "helpers/helper_table.hpp"
#include "isa/disassembler.hpp"
#include "isa/program_file.hpp"
#include "jit/native_listing.hpp"
#include "tools/cli/verb.hpp"

namespace ebpfjit::cli {

Verb register_disasm(CLI::App& app) {
    auto input = std::make_shared<std::string>();
    auto native = std::make_shared<bool>(false);
    CLI::App* cmd = app.add_subcommand("disasm", "Print a raw .bin program in llvm-objdump/bpftool style");
    cmd->add_option("FILE", *input, "Raw program (.bin)")->required();
    cmd->add_flag("--native", *native,
                  "Print the JIT's x86-64 code, each eBPF instruction as a comment before its code");
    cmd->footer("Example: ebpfjit disasm prog.bin\n         ebpfjit disasm --native prog.bin");

    return {cmd, [input, native] {
                auto program = isa::load_program_file(*input);
                if (!program) return report(program.error());
                if (!*native) {
                    fmt::print("{}", isa::disassemble(*program, helpers::helper_name));
                    return 0;
                }
                auto listing = jit::native_listing(*program, verifier::Facts{}, helpers::ProgramBindings{},
                                                   helpers::helper_name);
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
