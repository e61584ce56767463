// `ebpfjit <verb> ...`: global logging options, then the chosen verb.
#include <spdlog/sinks/stdout_sinks.h>

#include <vector>

#include "ebpfjit/log.hpp"
#include "tools/cli/verb.hpp"

namespace ebpfjit::cli {

int report(const Error& error) {
    logger().error("{}", error.to_string());
    return 1;
}

namespace {

// -v info, -vv debug, -vvv trace; --log-level overrides.
spdlog::level::level_enum chosen_level(int verbosity, const std::string& name) {
    if (!name.empty()) return spdlog::level::from_str(name);
    switch (verbosity) {
    case 0: return spdlog::level::warn;
    case 1: return spdlog::level::info;
    case 2: return spdlog::level::debug;
    default: return spdlog::level::trace;
    }
}

} // namespace
} // namespace ebpfjit::cli

int main(int argc, char** argv) {
    using namespace ebpfjit;
    CLI::App app{"ebpfjit: eBPF assembler, disassembler, interpreter and JIT"};
    app.require_subcommand(1);
    app.fallthrough(); // -v and --log-level may also follow the verb
    app.footer("Example: ebpfjit asm prog.s -o prog.bin && ebpfjit run prog.bin --type mem --mem input.bin");

    int verbosity = 0;
    std::string level_name;
    app.add_flag("-v,--verbose", verbosity, "More log output (repeatable: -v info, -vv debug, -vvv trace)");
    app.add_option("--log-level", level_name, "Log level")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));

    std::vector<cli::Verb> verbs{cli::register_asm(app), cli::register_disasm(app), cli::register_run(app),
                                 cli::register_map(app), cli::register_verify(app)};

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }

    // Plain "ebpfjit: error: <message>" lines on stderr, one per diagnostic.
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    sink->set_pattern("%n: %l: %v");
    set_log_sink(sink);
    set_log_level(cli::chosen_level(verbosity, level_name));

    for (const auto& verb : verbs)
        if (verb.command->parsed()) return verb.run();
    return 1; // unreachable: require_subcommand(1)
}
