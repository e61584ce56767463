// How a prepared program runs, and how much is proven before it may.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ebpfjit {

// Execution engines: native code from the JIT, or the bounds-checked interpreter.
enum class Engine : uint8_t { Jit, Interpreter };
std::string_view to_string(Engine engine);                    // "jit", "interp"
std::optional<Engine> engine_from_name(std::string_view name); // "jit", "interp"

// How much the verifier proves before a program may run (the verifier issue's levels).
// Full: memory safety and termination, the default for ELF programs. Structural: decoder
// and CFG rules only; the interpreter still checks every access at run time, JIT code does not.
enum class VerifyLevel : uint8_t { Structural, Full };

// Hardening for programs from untrusted sources (docs/hardening.md); the defaults are off.
struct Hardening {
    // JIT: every immediate the program chose is emitted XORed with a random key (constant
    // blinding, as the kernel's bpf_jit_harden), so chosen constants never become code.
    bool blind_constants = false;
    // JIT, x86-64: indirect calls and jumps (callx, helper calls, tail calls) through a
    // retpoline thunk (Spectre v2). ARM64 has no retpoline form: the option is ignored there.
    bool retpoline = false;
    // Both engines: a run stops with "instruction budget of N exceeded" after N
    // instructions. The interpreter counts exactly; JIT code charges each loop back-edge
    // the length of its loop and each local call 1 (jit/budget.cpp). 0: no limit.
    uint64_t instruction_budget = 0;
};

} // namespace ebpfjit
