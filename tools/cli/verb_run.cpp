// ebpfjit run PROGRAM.bin --type mem --mem INPUT [--engine interp|jit]
#include <fmt/format.h>

#include <memory>
#include <string>

#include "helpers/program_bindings.hpp"
#include "isa/program_file.hpp"
#include "runtime/interpreter.hpp"
#include "tools/cli/verb.hpp"

namespace ebpfjit::cli {

Verb register_run(CLI::App& app) {
    struct Options {
        std::string program;
        std::string type = "mem";
        std::string mem;
        std::string engine = "interp";
        // A hostile program must not hang the CLI: `ja -1` stops here with a distinct error.
        uint64_t max_insns = 1'000'000'000;
    };
    auto opts = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand("run", "Run a raw .bin program and print r0");
    cmd->add_option("PROGRAM", opts->program, "Raw program (.bin)")->required();
    cmd->add_option("--type", opts->type, "Program type: mem (r1 = input bytes, r2 = their length)")
        ->check(CLI::IsMember({"mem"}))
        ->capture_default_str();
    cmd->add_option("--mem", opts->mem, "File whose bytes the program gets (a writable copy); none: empty");
    cmd->add_option("--engine", opts->engine, "Execution engine")
        ->check(CLI::IsMember({"interp", "jit"}))
        ->capture_default_str();
    cmd->add_option("--max-insns", opts->max_insns, "Instruction budget of the run (0: unlimited)")
        ->capture_default_str();
    cmd->footer("Example: ebpfjit run prog.bin --type mem --mem packet.bin\n"
                "The last line of output is `r0 = <unsigned decimal> (0x<hex>)`.");

    return {cmd, [opts] {
                if (opts->engine == "jit") return report(Error::plain("engine jit is not available in this build"));
                auto program = isa::load_program_file(opts->program);
                if (!program) return report(program.error());
                std::vector<uint8_t> memory;
                if (!opts->mem.empty()) {
                    auto bytes = isa::read_file_bytes(opts->mem);
                    if (!bytes) return report(bytes.error());
                    memory = std::move(*bytes);
                }
                runtime::InterpreterOptions options;
                options.instruction_budget = opts->max_insns;
                runtime::Interpreter interpreter(*program, helpers::ProgramBindings{}, options);
                auto r0 = interpreter.run_mem(memory);
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
