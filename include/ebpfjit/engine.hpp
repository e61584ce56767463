// How a prepared program runs, and how much is proven before it may.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "ebpfjit/hardening.hpp"

namespace ebpfjit {

// Execution engines: native code from the JIT, or the bounds-checked interpreter.
enum class Engine : uint8_t { Jit, Interpreter };
std::string_view to_string(Engine engine);                    // "jit", "interp"
std::optional<Engine> engine_from_name(std::string_view name); // "jit", "interp"

// How much the verifier proves before a program may run (the verifier issue's levels).
// Full: memory safety and termination, the default for ELF programs. Structural: decoder
// and CFG rules only; every access and helper call is checked at run time instead, by the
// interpreter and by checked JIT code (memory-safe, but no pointer-leak rules: docs/hardening.md).
enum class VerifyLevel : uint8_t { Structural, Full };

} // namespace ebpfjit
