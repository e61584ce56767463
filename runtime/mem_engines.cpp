#include "runtime/mem_engines.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "jit/compiler.hpp"
#include "runtime/interpreter.hpp"
#include "runtime/run/native_run.hpp"

namespace ebpfjit::runtime {

namespace {

struct NamedEngine {
    std::string_view name;
    Result<uint64_t> (*run)(const isa::Program&, std::span<uint8_t>, const MemEngineOptions&);
};

Result<uint64_t> run_interpreter(const isa::Program& program, std::span<uint8_t> mem,
                                 const MemEngineOptions& options) {
    InterpreterOptions interp;
    interp.instruction_budget = options.hardening.instruction_budget;
    return Interpreter(program, helpers::ProgramBindings{}, interp).run_mem(mem);
}

// The host's JIT backend (x86-64 or ARM64). No verifier facts yet: the lowering keeps
// every check (division fixups, ...).
Result<uint64_t> run_jit(const isa::Program& program, std::span<uint8_t> mem, const MemEngineOptions& options) {
    jit::CompileOptions compile;
    compile.hardening = options.hardening;
    compile.blinding_key = options.blinding_key;
    auto compiled = jit::compile(program, verifier::Facts{}, helpers::ProgramBindings{}, compile);
    if (!compiled) return fail(compiled.error());
    return run_native_mem(*compiled, mem);
}

const std::vector<NamedEngine>& engines() {
    static const std::vector<NamedEngine> table{
        {"jit", run_jit},
        {"interp", run_interpreter},
    };
    return table;
}

} // namespace

Result<MemEngine> find_mem_engine(std::string_view name, const MemEngineOptions& options) {
    for (const auto& e : engines())
        if (e.name == name)
            return MemEngine([run = e.run, options](const isa::Program& program, std::span<uint8_t> mem) {
                return run(program, mem, options);
            });
    return fail(Error::plain(fmt::format("unknown engine '{}' (available: {})", name,
                                         fmt::join(mem_engine_names(), ", "))));
}

std::vector<std::string> mem_engine_names() {
    std::vector<std::string> names;
    for (const auto& e : engines()) names.emplace_back(e.name);
    return names;
}

} // namespace ebpfjit::runtime
