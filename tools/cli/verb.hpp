// How a verb joins the CLI: it adds its subcommand to the app and returns the action
// that main() runs when that subcommand was chosen. One file per verb (verb_<name>.cpp).
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "ebpfjit/error.hpp"

namespace ebpfjit::cli {

struct Verb {
    CLI::App* command;
    std::function<int()> run; // process exit status
};

Verb register_asm(CLI::App& app);
Verb register_disasm(CLI::App& app);
Verb register_run(CLI::App& app);
Verb register_map(CLI::App& app);
Verb register_verify(CLI::App& app);

// The one line a failed verb prints (through the library's logger), then exit status 1.
int report(const Error& error);

} // namespace ebpfjit::cli
