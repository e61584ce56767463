// include/ebpfjit/raw_program.hpp over isa/ (files, assembler, disassembler), the JIT's
// native listing and the mem engines: the public face of what the CLI verbs asm, disasm and
// run (raw form) and the conformance plugin do.
#include "ebpfjit/raw_program.hpp"

#include <utility>

#include "helpers/helper_table.hpp"
#include "helpers/program_bindings.hpp"
#include "isa/assembler.hpp"
#include "isa/decoder.hpp"
#include "isa/disassembler.hpp"
#include "isa/encoder.hpp"
#include "isa/program_file.hpp"
#include "jit/native_listing.hpp"
#include "jit/target.hpp"
#include "runtime/mem_engines.hpp"
#include "verifier/facts.hpp"

namespace ebpfjit {

RawProgram::RawProgram(std::unique_ptr<isa::Program> program) : program_(std::move(program)) {}
RawProgram::RawProgram(RawProgram&&) noexcept = default;
RawProgram& RawProgram::operator=(RawProgram&&) noexcept = default;
RawProgram::~RawProgram() = default;

namespace {
Result<RawProgram> wrap(Result<isa::Program> program, auto make) {
    if (!program) return fail(program.error());
    return make(std::make_unique<isa::Program>(std::move(*program)));
}
} // namespace

Result<RawProgram> RawProgram::load(const std::string& path) {
    return wrap(isa::load_program_file(path), [](auto p) { return RawProgram(std::move(p)); });
}

Result<RawProgram> RawProgram::decode(std::span<const uint8_t> bytes) {
    return wrap(isa::decode_bytes(bytes), [](auto p) { return RawProgram(std::move(p)); });
}

Result<RawProgram> RawProgram::assemble(std::string_view source) {
    return wrap(isa::assemble(source), [](auto p) { return RawProgram(std::move(p)); });
}

size_t RawProgram::slots() const { return program_->size(); }

std::vector<uint8_t> RawProgram::encode() const { return isa::encode_bytes(*program_); }

std::string RawProgram::disassemble() const { return isa::disassemble(*program_, helpers::helper_name); }

Result<std::string> RawProgram::native_listing(std::string_view arch, const Hardening& hardening) const {
    jit::Arch target = jit::host_arch();
    if (!arch.empty()) {
        auto parsed = jit::parse_arch(arch);
        if (!parsed) return fail(parsed.error());
        target = *parsed;
    }
    jit::CompileOptions options;
    options.hardening = hardening;
    return jit::native_listing(*program_, verifier::Facts{}, helpers::ProgramBindings{}, helpers::helper_name,
                               target, options);
}

Result<RawEngine> RawEngine::find(std::string_view name, const Hardening& hardening) {
    runtime::MemEngineOptions options;
    options.hardening = hardening;
    auto engine = runtime::find_mem_engine(name, options);
    if (!engine) return fail(engine.error());
    return RawEngine(std::move(*engine));
}

std::vector<std::string> RawEngine::names() { return runtime::mem_engine_names(); }

Result<uint64_t> RawEngine::run_mem(const RawProgram& program, std::span<uint8_t> mem) const {
    return run_(*program.program_, mem);
}

std::string_view host_arch_name() { return jit::to_string(jit::host_arch()); }

Result<std::string_view> parse_arch_name(std::string_view name) {
    auto arch = jit::parse_arch(name);
    if (!arch) return fail(arch.error());
    return jit::to_string(*arch);
}

Result<std::vector<uint8_t>> read_file_bytes(const std::string& path) { return isa::read_file_bytes(path); }

Result<void> write_file_bytes(const std::string& path, std::span<const uint8_t> bytes) {
    return isa::write_file_bytes(path, bytes);
}

} // namespace ebpfjit
