#include "runtime/mem_engines.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "jit/compiler.hpp"
#include "runtime/interpreter.hpp"

namespace ebpfjit::runtime {

namespace {

struct NamedEngine {
    std::string_view name;
    MemEngine run;
};

Result<uint64_t> run_interpreter(const isa::Program& program, std::span<uint8_t> mem) {
    return Interpreter(program, helpers::ProgramBindings{}).run_mem(mem);
}

// No verifier facts yet: the lowering keeps every check (division fixups, ...).
Result<uint64_t> run_jit(const isa::Program& program, std::span<uint8_t> mem) {
    auto compiled = jit::compile(program, verifier::Facts{}, helpers::ProgramBindings{});
    if (!compiled) return fail(compiled.error());
    return compiled->run_mem(mem);
}

const std::vector<NamedEngine>& engines() {
    static const std::vector<NamedEngine> table{
        {"jit", run_jit},
        {"interp", run_interpreter},
    };
    return table;
}

} // namespace

Result<MemEngine> find_mem_engine(std::string_view name) {
    for (const auto& e : engines())
        if (e.name == name) return e.run;
    return fail(Error::plain(fmt::format("unknown engine '{}' (available: {})", name,
                                         fmt::join(mem_engine_names(), ", "))));
}

std::vector<std::string> mem_engine_names() {
    std::vector<std::string> names;
    for (const auto& e : engines()) names.emplace_back(e.name);
    return names;
}

} // namespace ebpfjit::runtime
