#include "tools/cli/map_sizes.hpp"

#include <charconv>
#include <fmt/format.h>

namespace ebpfjit::cli {

void add_map_size_option(CLI::App& cmd, std::vector<std::string>& specs) {
    cmd.add_option("--map-max-entries", specs,
                   "BPF objects: NAME=N sets map NAME's max_entries before its maps are created (as "
                   "libbpf's bpf_map__set_max_entries; for maps declared with max_entries 0). Repeatable")
        ->take_all()
        ->allow_extra_args(false);
}

void add_inline_globals_option(CLI::App& cmd, std::vector<std::string>& sections) {
    cmd.add_option("--inline-globals", sections,
                   "BPF objects: every load of a variable of data section SECTION becomes an immediate of "
                   "its value, as Cilium's loader does for CONFIG() (Cilium objects: .rodata.config). "
                   "Repeatable")
        ->take_all()
        ->allow_extra_args(false);
}

void add_allow_ptr_leaks_option(CLI::App& cmd, bool& allow) {
    cmd.add_flag("--allow-ptr-leaks", allow,
                 "BPF objects: verify with the kernel's privileged rules (allow_ptr_leaks): still "
                 "memory-safe, but the program may store pointers into maps, packets and records, "
                 "return them, pass them to helpers and compare them: host addresses can leak. Off by "
                 "default (the kernel's unprivileged rules); only for programs you trust");
}

void add_core_btf_option(CLI::App& cmd, std::string& path) {
    cmd.add_option("--core-btf", path,
                   "BPF objects: resolve the CO-RE relocations ebpfjit's own uapi does not answer against "
                   "the BTF of FILE (an object with a .BTF section, or a raw BTF file such as "
                   "/sys/kernel/btf/vmlinux), as libbpf's btf_custom_path");
}

Result<std::map<std::string, uint32_t>> parse_map_sizes(const std::vector<std::string>& specs) {
    std::map<std::string, uint32_t> out;
    for (const std::string& spec : specs) {
        auto bad = [&](std::string_view why) {
            return fail(Error::plain(fmt::format("--map-max-entries '{}': {}", spec, why)));
        };
        const auto eq = spec.rfind('=');
        if (eq == std::string::npos) return bad("expected NAME=N");
        const std::string name = spec.substr(0, eq);
        if (name.empty()) return bad("no map name before '='");
        uint32_t n = 0;
        const char* first = spec.data() + eq + 1;
        const char* last = spec.data() + spec.size();
        auto parsed = std::from_chars(first, last, n);
        if (first == last || parsed.ec != std::errc{} || parsed.ptr != last || n == 0)
            return bad("N must be a whole number from 1 to 4294967295");
        if (!out.emplace(name, n).second) return bad(fmt::format("map '{}' is sized twice", name));
    }
    return out;
}

} // namespace ebpfjit::cli
