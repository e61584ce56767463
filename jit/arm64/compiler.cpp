// The ARM64 backend's pass: one emission (jit::drive, drive.hpp; A64 instructions have a
// fixed size, so there is nothing to relax), reach checks, and the hand-over of the final
// code to executable memory.
#include <fmt/format.h>

#if defined(__aarch64__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#include "jit/arm64/compile.hpp"
#include "jit/arm64/emitter.hpp"

namespace ebpfjit::jit::arm64 {

bool host_has_lse() {
#if defined(__aarch64__)
    return (getauxval(AT_HWCAP) & HWCAP_ATOMICS) != 0;
#else
    return true; // cross listings show the ARMv8.1 form
#endif
}

Emitter::Emitter(a64::Assembler& a, const Lowered& lowered, const EmitOptions& options)
    : a_(a), lowered_(lowered), options_(options) {}

void Emitter::bind(const asmjit::Label& label) {
    if (label_offsets_.size() <= label.id()) label_offsets_.resize(label.id() + 1, kNoNativeCode);
    label_offsets_[label.id()] = static_cast<uint32_t>(a_.offset());
    a_.bind(label);
}

Result<void> check_reach(const BranchRecord& b, uint32_t target) {
    if (target == kNoNativeCode)
        return fail(Error::at_insn(b.slot, fmt::format("{}: its target was never placed", b.what)));
    const int64_t distance = int64_t{target} - int64_t{b.offset};
    const int64_t reach = b.reach == Reach::Imm19 ? (int64_t{1} << 20) : (int64_t{1} << 27);
    if (distance < -reach || distance >= reach)
        return fail(Error::at_insn(
            b.slot, fmt::format("{} reaches {} bytes away, beyond the A64 {} range of ±{} MiB: the program "
                                "is too large for the ARM64 JIT",
                                b.what, distance, b.reach == Reach::Imm19 ? "imm19" : "imm26", reach >> 20)));
    return {};
}

Result<void> Emitter::check_reaches() const {
    for (const BranchRecord& b : branches_) {
        const uint32_t target = b.label_id < label_offsets_.size() ? label_offsets_[b.label_id] : kNoNativeCode;
        if (auto r = check_reach(b, target); !r) return r;
    }
    return {};
}

struct Assembly {
    asmjit::CodeHolder code;
    FirstError errors;
};

void AssemblyDeleter::operator()(Assembly* a) const { delete a; }
asmjit::CodeHolder& Assembled::code() { return assembly->code; }

Result<Assembled> assemble(const Lowered& lowered, const Options& options) {
    Assembled out;
    out.assembly = AssemblyPtr(new Assembly);
    Assembly& assembly = *out.assembly;
    asmjit::Environment env(asmjit::Arch::kAArch64);
    assembly.code.init(env);
    assembly.code.setErrorHandler(&assembly.errors);
    if (options.logger) {
        options.logger->clear();
        assembly.code.setLogger(options.logger);
    }
    EmitOptions emit_options;
    out.lse = options.atomics == AtomicsMode::Lse || (options.atomics == AtomicsMode::Auto && host_has_lse());
    emit_options.lse = out.lse;
    if (options.logger) emit_options.annotate = options.annotate;
    // What the run-time checks embed: allocated before emission, so its address is final.
    if (lowered.needs_guest_memory) out.checked = std::make_unique<CheckedProgram>(CheckedProgram{lowered.bindings});
    emit_options.checked = out.checked.get();

    a64::Assembler a(&assembly.code);
    Emitter emitter(a, lowered, emit_options);
    assembly.errors.current_slot = emitter.current_slot();
    drive(emitter, out.slot_offsets);
    // A reach error explains itself better than asmjit's "InvalidDisplacement".
    if (auto r = emitter.check_reaches(); !r) return fail(r.error());
    if (assembly.errors.error != asmjit::kErrorOk)
        return fail(Error::at_insn(assembly.errors.slot,
                                   fmt::format("A64 code generation failed: {}", assembly.errors.text)));
    out.body_offset = emitter.body_entry_offset();
    out.c_entry_offset = emitter.c_entry_offset();
    out.code_size = assembly.code.codeSize();
    return out;
}

Result<CompiledProgram> compile(const Lowered& lowered, const Options& options) {
#if defined(__aarch64__)
    auto assembled = assemble(lowered, options);
    if (!assembled) return fail(assembled.error());
    auto mem = ExecutableMemory::from_code(assembled->code());
    if (!mem) return fail(mem.error());
    CompiledProgram compiled(std::move(*mem), assembled->body_offset, std::move(assembled->slot_offsets),
                             lowered.program_type, std::move(assembled->checked));
    compiled.set_c_entry_offset(assembled->c_entry_offset);
    return compiled;
#else
    (void)lowered;
    (void)options;
    return fail(Error::plain("ARM64 code runs only on an AArch64 host (use arm64::assemble for listings)"));
#endif
}

} // namespace ebpfjit::jit::arm64
