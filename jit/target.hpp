// Which backend emits the code: the host's for running, any for listings.
#pragma once

#include <cstdint>
#include <string_view>

#include "ebpfjit/error.hpp"

namespace ebpfjit::jit {

enum class Arch : uint8_t { X86_64, Arm64 };

constexpr Arch host_arch() {
#if defined(__aarch64__)
    return Arch::Arm64;
#else
    return Arch::X86_64;
#endif
}

// "x86_64" / "x86-64" / "x64", "arm64" / "aarch64".
Result<Arch> parse_arch(std::string_view name);
std::string_view to_string(Arch arch);

} // namespace ebpfjit::jit
