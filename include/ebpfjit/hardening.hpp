// Hardening for programs from untrusted sources, one struct held by value by every options
// struct that takes it (OpenOptions, PrepareOptions, the JIT's CompileOptions, the mem
// engines', the interpreter's), so that a new knob is one field here.
#pragma once

#include <cstdint>

namespace ebpfjit {

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
