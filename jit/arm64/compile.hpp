// The ARM64 backend's entry points: a Lowered program in, A64 code out. `assemble` runs
// on any host (asmjit encodes A64 without executing it: listings and encoding tests on
// x86-64); `compile` also maps the code executable and needs an AArch64 host.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <asmjit/core.h>

#include "ebpfjit/error.hpp"
#include "jit/compiled_program.hpp"
#include "jit/lowering.hpp"

namespace ebpfjit::jit::arm64 {

// How atomic read-modify-write instructions are emitted.
enum class AtomicsMode : uint8_t {
    Auto,      // LSE when the CPU has it (host_has_lse()), exclusive loops otherwise
    Lse,       // ARMv8.1 LSE: stadd/ldaddal, stclr/ldclral, stset/ldsetal, steor/ldeoral, swpal, casal
    Exclusive, // ARMv8.0 ldxr/stxr loops; fetching forms ldxr/stlxr + dmb ish, as the kernel does
};

// AArch64 hosts: HWCAP_ATOMICS from the kernel. Other hosts (cross listings): true.
bool host_has_lse();

struct Options {
    AtomicsMode atomics = AtomicsMode::Auto;
    // Optional listing, with `annotate(slot)` as a comment before each slot's code.
    asmjit::StringLogger* logger = nullptr;
    std::function<std::string(uint32_t slot)> annotate;
};

// Encoded A64 code, not yet executable.
struct Assembly;
struct AssemblyDeleter {
    void operator()(Assembly* a) const;
};
using AssemblyPtr = std::unique_ptr<Assembly, AssemblyDeleter>;

struct Assembled {
    AssemblyPtr assembly;
    std::vector<uint32_t> slot_offsets; // native offset per slot (kNoNativeCode: none)
    uint32_t body_offset = 0;           // where tail calls into this program land
    uint32_t c_entry_offset = kNoNativeCode; // the C entry (jit::wants_c_entry), or none
    size_t code_size = 0;
    bool lse = false;                   // which atomics form was emitted
    std::unique_ptr<CheckedProgram> checked; // what the run-time checks embed, or null
    asmjit::CodeHolder& code();
};

// Errors name the instruction: a branch, call or code address whose target is out of
// the A64 encoding's range (a program too large), or an encoding asmjit refused.
Result<Assembled> assemble(const Lowered& lowered, const Options& options = {});

Result<CompiledProgram> compile(const Lowered& lowered, const Options& options = {});

} // namespace ebpfjit::jit::arm64
