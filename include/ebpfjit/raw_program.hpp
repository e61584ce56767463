// Raw programs: eBPF instructions with no ELF object around them (the `.bin` files
// `ebpfjit asm` writes, the bytes the conformance runner pipes in): assemble, decode,
// disassemble, list the JIT's native code, run on a memory buffer. The CLI and the
// conformance plugin use only this and ebpfjit.hpp, so an embedder can do all they do.
// ELF objects go through ebpfjit.hpp (Object, Program) instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ebpfjit/error.hpp"
#include "ebpfjit/hardening.hpp"

namespace ebpfjit::isa { struct Program; }

namespace ebpfjit {

class RawProgram {
public:
    // A `.bin` file: 8-byte little-endian instruction words. Errors name the file and the
    // byte offset of the bad instruction.
    static Result<RawProgram> load(const std::string& path);
    // The same words from memory; errors name the instruction index.
    static Result<RawProgram> decode(std::span<const uint8_t> bytes);
    // bpf_conformance assembly (what `ebpfjit asm` reads); errors name the source line.
    static Result<RawProgram> assemble(std::string_view source);

    RawProgram(RawProgram&&) noexcept;
    RawProgram& operator=(RawProgram&&) noexcept;
    ~RawProgram();

    size_t slots() const;                // 8-byte instruction slots (LDDW takes two)
    std::vector<uint8_t> encode() const; // the `.bin` bytes
    // llvm-objdump / bpftool style, helpers called by their BPF_FUNC_* names.
    std::string disassemble() const;
    // The JIT's code for `arch` ("x86_64", "arm64"; "" = this host's), each eBPF instruction
    // as a comment before its code. Unverified, so every run-time check is in it.
    Result<std::string> native_listing(std::string_view arch, const Hardening& hardening = {}) const;

private:
    friend class RawEngine;
    explicit RawProgram(std::unique_ptr<isa::Program> program);
    std::unique_ptr<isa::Program> program_;
};

// An engine for raw `mem` programs: r1 = a writable copy of the input, r2 = its length.
// No verifier runs first: the interpreter checks every access, JIT code keeps every check.
class RawEngine {
public:
    // "jit" (this host's backend) or "interp"; anything else is a one-line error.
    static Result<RawEngine> find(std::string_view name, const Hardening& hardening = {});
    static std::vector<std::string> names(); // for help texts

    // Runs `program` on `mem` (modified in place); r0 or the run's error.
    Result<uint64_t> run_mem(const RawProgram& program, std::span<uint8_t> mem) const;

private:
    using Run = std::function<Result<uint64_t>(const isa::Program&, std::span<uint8_t>)>;
    explicit RawEngine(Run run) : run_(std::move(run)) {}
    Run run_;
};

// The name of this host's JIT backend ("x86_64" or "arm64").
std::string_view host_arch_name();
// A backend's canonical name from any accepted spelling ("x86-64", "x64", "aarch64", ...),
// or "unknown architecture '...'".
Result<std::string_view> parse_arch_name(std::string_view name);

// Whole files as bytes; errors name the file.
Result<std::vector<uint8_t>> read_file_bytes(const std::string& path);
Result<void> write_file_bytes(const std::string& path, std::span<const uint8_t> bytes);

} // namespace ebpfjit
