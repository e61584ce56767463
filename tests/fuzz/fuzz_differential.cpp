// Differential fuzzing: a structured program (support/program_generator.hpp) runs on every
// engine this build has, each with a fresh copy of the same input memory and maps; r0, the
// memory afterwards and every map's contents must agree. The generated programs are safe
// by construction, so the bounds-checked interpreter must also finish without an error.
//
// Fuzz bytes: [0, 64) input memory (its first 32 bytes also seed the maps), the rest
// drives the generator.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <linux/bpf.h>

#include "helpers/program_bindings.hpp"
#include "isa/disassembler.hpp"
#include "runtime/interpreter.hpp"
#include "runtime/maps/map.hpp"
#include "runtime/maps/map_factory.hpp"
#include "support/map_entries.hpp"
#include "support/program_generator.hpp"
#if __has_include("jit/compiler.hpp")
#include "jit/compiler.hpp"
#include "runtime/run/native_run.hpp"
#define EBPFJIT_FUZZ_HAVE_JIT 1
#endif

using namespace ebpfjit;

namespace {

using Engine = std::function<Result<uint64_t>(const isa::Program&, const helpers::ProgramBindings&,
                                              std::span<uint8_t> mem)>;
struct NamedEngine {
    const char* name;
    Engine run;
};

const std::vector<NamedEngine>& engines() {
    static const std::vector<NamedEngine> table{
        {"interp",
         [](const isa::Program& p, const helpers::ProgramBindings& b, std::span<uint8_t> mem) {
             return runtime::Interpreter(p, b).run_mem(mem);
         }},
#ifdef EBPFJIT_FUZZ_HAVE_JIT
        {"jit",
         [](const isa::Program& p, const helpers::ProgramBindings& b, std::span<uint8_t> mem) -> Result<uint64_t> {
             auto compiled = jit::compile(p, verifier::Facts{}, b);
             if (!compiled) return fail(compiled.error());
             return runtime::run_native_mem(*compiled, mem);
         }},
        {"jit-blinded", // constant blinding with random keys (jit/blinding.hpp)
         [](const isa::Program& p, const helpers::ProgramBindings& b, std::span<uint8_t> mem) -> Result<uint64_t> {
             jit::CompileOptions options;
             options.hardening.blind_constants = true;
             auto compiled = jit::compile(p, verifier::Facts{}, b, options);
             if (!compiled) return fail(compiled.error());
             return runtime::run_native_mem(*compiled, mem);
         }},
#endif
    };
    return table;
}

using fuzz::Entries;

struct Outcome {
    std::string error; // empty on success
    uint64_t r0 = 0;
    std::vector<uint8_t> mem;
    std::vector<Entries> maps;
};

// The two maps the generator's helper calls name (index 0: array, 1: hash).
std::vector<std::unique_ptr<maps::Map>> make_maps(std::span<const uint8_t> seed) {
    std::vector<std::unique_ptr<maps::Map>> made;
    for (uint32_t type : {BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH}) {
        maps::MapDefinition def;
        def.type = type;
        def.key_size = 4;
        def.value_size = 8;
        def.max_entries = type == BPF_MAP_TYPE_ARRAY ? 4 : 8;
        auto map = maps::create_map(def);
        if (!map) std::abort();
        made.push_back(std::move(*map));
    }
    for (uint32_t key = 0; key < 4; ++key) {
        uint64_t value = 0;
        std::memcpy(&value, seed.data() + key * 8, 8);
        if (made[0]->update(&key, &value, BPF_ANY) != 0) std::abort();
        if ((value & 1) && made[1]->update(&key, &value, BPF_ANY) != 0) std::abort();
    }
    return made;
}


Outcome run_on(const NamedEngine& engine, const isa::Program& program, std::span<const uint8_t> input) {
    Outcome out;
    out.mem.assign(input.begin(), input.end());
    auto maps = make_maps(input);
    helpers::ProgramBindings bindings;
    for (auto& m : maps) bindings.maps.push_back(helpers::MapBinding{m.get(), nullptr, 0});
    auto r0 = engine.run(program, bindings, out.mem);
    if (r0) out.r0 = *r0;
    else out.error = r0.error().to_string();
    for (auto& m : maps) out.maps.push_back(fuzz::sorted_entries(*m));
    return out;
}

[[noreturn]] void report(const char* what, const isa::Program& program, const Outcome& a, const Outcome& b,
                         const char* engine) {
    std::fprintf(stderr, "fuzz_differential: %s differs between interp and %s\n", what, engine);
    std::fprintf(stderr, "  interp: r0=%#llx error='%s'\n  %s: r0=%#llx error='%s'\n",
                 static_cast<unsigned long long>(a.r0), a.error.c_str(), engine,
                 static_cast<unsigned long long>(b.r0), b.error.c_str());
    std::fprintf(stderr, "%s\n", isa::disassemble(program).c_str());
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<uint8_t> input(fuzz::kInputSize, 0);
    std::memcpy(input.data(), data, std::min<size_t>(size, input.size()));
    const auto rest = size > input.size() ? std::span<const uint8_t>(data + input.size(), size - input.size())
                                          : std::span<const uint8_t>();
    const isa::Program program = fuzz::generate_program(rest);

    const Outcome reference = run_on(engines()[0], program, input);
    if (!reference.error.empty()) report("safe program failed", program, reference, reference, "interp");
    for (size_t i = 1; i < engines().size(); ++i) {
        const Outcome other = run_on(engines()[i], program, input);
        if (!other.error.empty()) report("error", program, reference, other, engines()[i].name);
        if (other.r0 != reference.r0) report("r0", program, reference, other, engines()[i].name);
        if (other.mem != reference.mem) report("memory", program, reference, other, engines()[i].name);
        if (other.maps != reference.maps) report("map contents", program, reference, other, engines()[i].name);
    }
    return 0;
}
