#include "jit/target.hpp"

#include <fmt/format.h>

namespace ebpfjit::jit {

Result<Arch> parse_arch(std::string_view name) {
    if (name == "x86_64" || name == "x86-64" || name == "x64") return Arch::X86_64;
    if (name == "arm64" || name == "aarch64") return Arch::Arm64;
    return fail(Error::plain(fmt::format("unknown architecture '{}' (x86_64 or arm64)", name)));
}

std::string_view to_string(Arch arch) {
    return arch == Arch::Arm64 ? "arm64" : "x86_64";
}

} // namespace ebpfjit::jit
