// ebpfjit disasm FILE.bin
#include <fmt/format.h>

#include <memory>
#include <string>

#include "helpers/helper_table.hpp"
#include "isa/disassembler.hpp"
#include "isa/program_file.hpp"
#include "tools/cli/verb.hpp"

namespace ebpfjit::cli {

Verb register_disasm(CLI::App& app) {
    auto input = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand("disasm", "Print a raw .bin program in llvm-objdump/bpftool style");
    cmd->add_option("FILE", *input, "Raw program (.bin)")->required();
    cmd->footer("Example: ebpfjit disasm prog.bin");

    return {cmd, [input] {
                auto program = isa::load_program_file(*input);
                if (!program) return report(program.error());
                fmt::print("{}", isa::disassemble(*program, helpers::helper_name));
                return 0;
            }};
}

} // namespace ebpfjit::cli
