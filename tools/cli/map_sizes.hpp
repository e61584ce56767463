// Loader and verifier choices verify and run share: `--map-max-entries NAME=N`
// (OpenOptions::map_max_entries, libbpf's bpf_map__set_max_entries before load),
// `--inline-globals SECTION` (OpenOptions::inline_globals) and `--allow-ptr-leaks`
// (OpenOptions::allow_ptr_leaks), `--core-btf FILE` (OpenOptions::core_btf), one help
// text each.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "ebpfjit/error.hpp"

namespace ebpfjit::cli {

// Adds the option to a subcommand; the raw NAME=N strings land in `specs`.
void add_map_size_option(CLI::App& cmd, std::vector<std::string>& specs);
// `--inline-globals SECTION` (repeatable): OpenOptions::inline_globals (Cilium's CONFIG()).
void add_inline_globals_option(CLI::App& cmd, std::vector<std::string>& sections);
// `--allow-ptr-leaks`: the kernel's privileged verifier rules (OpenOptions::allow_ptr_leaks).
void add_allow_ptr_leaks_option(CLI::App& cmd, bool& allow);
// `--core-btf FILE`: OpenOptions::core_btf (libbpf's btf_custom_path).
void add_core_btf_option(CLI::App& cmd, std::string& path);

// NAME=N strings -> name -> max_entries. One-line errors name the offending argument
// (no '=', empty name, N not a number in 1..4294967295, a name given twice).
Result<std::map<std::string, uint32_t>> parse_map_sizes(const std::vector<std::string>& specs);

} // namespace ebpfjit::cli
