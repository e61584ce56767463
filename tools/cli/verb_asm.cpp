// ebpfjit asm FILE.s -o FILE.bin
#include <fmt/format.h>

#include <memory>
#include <string>

#include "ebpfjit/log.hpp"
#include "ebpfjit/raw_program.hpp"
#include "tools/cli/verb.hpp"

namespace ebpfjit::cli {

Verb register_asm(CLI::App& app) {
    struct Options {
        std::string input, output;
    };
    auto opts = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand("asm", "Assemble bpf_conformance assembly into a raw .bin program");
    cmd->add_option("FILE", opts->input, "Assembly source (.s)")->required();
    cmd->add_option("-o,--output", opts->output, "Raw program to write (8-byte little-endian words)")->required();
    cmd->footer("Example: ebpfjit asm prog.s -o prog.bin");

    return {cmd, [opts] {
                auto text = read_file_bytes(opts->input);
                if (!text) return report(text.error());
                auto program = RawProgram::assemble(std::string_view(reinterpret_cast<const char*>(text->data()), text->size()));
                if (!program) {
                    Error e = program.error();
                    e.file = opts->input;
                    return report(e);
                }
                auto bytes = program->encode();
                if (auto written = write_file_bytes(opts->output, bytes); !written) return report(written.error());
                logger().info("{}: {} instructions written to {}", opts->input, program->slots(), opts->output);
                return 0;
            }};
}

} // namespace ebpfjit::cli
