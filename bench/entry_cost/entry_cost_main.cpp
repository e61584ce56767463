// bench_entry_cost: what one call costs an embedder, layer by layer (issue 18 item 2).
//
//   native          a C++ function through a function pointer (the floor)
//   JIT code        the JIT's entry called bare through its pointer, and its C entry
//                   (CompiledProgram::c_entry, where the build has one) likewise
//   internal        runtime::run_native_mem over a jit::CompiledProgram (what `ebpfjit bench` times)
//   C++ API         ebpfjit::Program::run(span)          default options: JIT, full verifier
//   C API           ebpfjit_program_run_mem              the same program, through the C face
//
// for `simple` (return 0x1234: no helper, no stack), `lookup` (one hash-map lookup: a
// helper call) and `trap` (`simple` with an unreachable-code trap: what a trap costs a
// run, docs/hardening.md). Every r0 is checked; a wrong one exits with status 1. Timing: warm-up,
// then batches of ~200 µs; the median and the minimum of the batch means, ns per call, and
// the median of the batches' thread CPU time per call (steadier than wall time on the
// loaded shared VM: bench/common/thread_time.hpp).
// Self-contained on purpose (no bench/harness), so the same file builds against older
// commits for before/after runs: `bench_entry_cost [--budget-ms N]`.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench/common/thread_time.hpp"
#include "ebpfjit/ebpfjit.h"
#include "ebpfjit/ebpfjit.hpp"
#include "jit/compiler.hpp"
#include "runtime/elf/loader.hpp"
#include "runtime/maps/map_factory.hpp"
#include "verifier/verifier.hpp"
// Running moved from jit/ to runtime/ (issue 15); before that, CompiledProgram ran itself.
#if __has_include("runtime/run/native_run.hpp")
#include "runtime/run/native_run.hpp"
#define EBPFJIT_RUN_INTERNAL(code, mem) ebpfjit::runtime::run_native_mem(code, mem)
#else
#define EBPFJIT_RUN_INTERNAL(code, mem) (code).run_mem(mem)
#endif

namespace {

constexpr uint64_t kLookupValue = 0x5eed;

uint64_t now_ns() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

struct Timing {
    double median = 0, min = 0;
    double cpu = 0; // the median of the batches' thread CPU time per call (bench/common/thread_time.hpp)
};

// `call` returns r0; any r0 other than `expect` aborts the benchmark.
template <class Call>
Timing measure(const char* what, uint64_t expect, uint64_t budget_ns, Call&& call) {
    const uint64_t start = now_ns();
    uint64_t warm = 0;
    while (now_ns() - start < budget_ns / 8 || warm < 1000) {
        if (call() != expect) {
            std::fprintf(stderr, "%s: r0 is not %#llx\n", what, static_cast<unsigned long long>(expect));
            std::exit(1);
        }
        ++warm;
    }
    const double per_call = static_cast<double>(now_ns() - start) / static_cast<double>(warm);
    const auto calls = std::max<uint64_t>(1, static_cast<uint64_t>(200'000 / std::max(per_call, 1.0)));
    std::vector<double> batches, batch_cpu;
    uint64_t wrong = 0;
    while (batches.size() < 5 || now_ns() - start < budget_ns) {
        const uint64_t c0 = ebpfjit::bench::thread_cpu_ns();
        const uint64_t t0 = now_ns();
        for (uint64_t i = 0; i < calls; ++i) wrong += call() != expect;
        batches.push_back(static_cast<double>(now_ns() - t0) / static_cast<double>(calls));
        batch_cpu.push_back(static_cast<double>(ebpfjit::bench::thread_cpu_ns() - c0) / static_cast<double>(calls));
    }
    if (wrong != 0) {
        std::fprintf(stderr, "%s: %llu wrong r0\n", what, static_cast<unsigned long long>(wrong));
        std::exit(1);
    }
    std::sort(batches.begin(), batches.end());
    std::sort(batch_cpu.begin(), batch_cpu.end());
    return {batches[batches.size() / 2], batches.front(), batch_cpu[batch_cpu.size() / 2]};
}

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "bench_entry_cost: %s\n", message.c_str());
    std::exit(1);
}

// The internal layer: the object read, maps made and the program fully verified and
// compiled by hand, as bench/harness does.
struct Internal {
    std::vector<std::unique_ptr<ebpfjit::maps::Map>> maps;
    std::unique_ptr<ebpfjit::jit::CompiledProgram> code;
};

Internal compile_internal(const char* symbol) {
    using namespace ebpfjit;
    runtime::elf::ReadOptions options;
    options.type_override = ProgramType::Mem;
    auto object = runtime::elf::read_object_file(EBPFJIT_ENTRY_COST_OBJECT, options);
    if (!object) die(object.error().to_string());
    const runtime::elf::ProgramSpec* spec = object->find_program(symbol);
    if (!spec) die(std::string("no program ") + symbol);
    Internal out;
    helpers::ProgramBindings bindings;
    verifier::VerifierInput input;
    input.type = ProgramType::Mem;
    input.level = verifier::Level::Full;
    for (const auto& map_spec : object->maps) {
        auto map = maps::create_map(map_spec.def);
        if (!map) die(map.error().to_string());
        const uint32_t key = 0;
        const uint64_t value = kLookupValue;
        if ((*map)->update(&key, &value, 0) != 0) die("map update failed");
        bindings.maps.push_back({map->get(), nullptr, 0});
        input.maps.push_back(map_spec.def);
        out.maps.push_back(std::move(*map));
    }
    input.helpers = bindings.helpers;
    verifier::Report report = verifier::check(spec->program, input);
    if (!report.ok()) die(report.error().to_string());
    auto code = jit::compile(spec->program, report.facts, bindings, jit::CompileOptions{});
    if (!code) die(code.error().to_string());
    out.code = std::make_unique<jit::CompiledProgram>(std::move(*code));
    return out;
}

[[gnu::noinline]] uint64_t native_simple(uint8_t*, uint64_t) { return 0x1234; }
uint64_t (*volatile native_entry)(uint8_t*, uint64_t) = native_simple;

void print(const char* program, const char* layer, Timing t) {
    std::printf("%-8s %-26s %8.2f %8.2f %8.2f\n", program, layer, t.median, t.min, t.cpu);
    std::fflush(stdout);
}

// The C entry called bare (stores r0, returns 0), on builds whose CompiledProgram has
// one (a template, so that the same file builds against commits before it).
template <class Code>
void print_c_entry(const char* name, const Code& code, uint8_t* mem, uint64_t size, uint64_t expect,
                   uint64_t budget) {
    if constexpr (requires { code.c_entry(); }) {
        const auto entry = code.c_entry();
        if (entry == nullptr) return;
        print(name, "JIT C entry, bare call", measure("bare C entry", expect, budget, [&] {
                  uint64_t r0 = 0;
                  if (entry(reinterpret_cast<uint64_t>(mem), size, &r0) != 0) return ~uint64_t{0};
                  return r0;
              }));
    }
}

} // namespace

int main(int argc, char** argv) {
    uint64_t budget_ms = 500;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--budget-ms") == 0 && i + 1 < argc) budget_ms = std::strtoull(argv[++i], nullptr, 10);
        else die(std::string("usage: bench_entry_cost [--budget-ms N]; unknown ") + argv[i]);
    }
    const uint64_t budget = budget_ms * 1'000'000;

    // C++ API: default options but the type, as `mem` is not a libbpf section name.
    ebpfjit::OpenOptions open;
    open.program_type = ebpfjit::ProgramType::Mem;
    auto object = ebpfjit::Object::open(EBPFJIT_ENTRY_COST_OBJECT, open);
    if (!object) die(object.error().to_string());
    auto map = object->map("entry_map");
    if (!map) die(map.error().to_string());
    const uint32_t key = 0;
    const uint64_t value = kLookupValue;
    if (map->update({reinterpret_cast<const uint8_t*>(&key), 4}, {reinterpret_cast<const uint8_t*>(&value), 8}) != 0)
        die("map update failed");

    char err[512] = "";
    ebpfjit_object* c_object = ebpfjit_object_open(EBPFJIT_ENTRY_COST_OBJECT, "mem", err, sizeof err);
    if (!c_object) die(err);
    if (ebpfjit_map_update(ebpfjit_object_map(c_object, "entry_map"), &key, &value, 0) != 0) die("C map update failed");

    uint8_t mem[8] = {};
    std::printf("%-8s %-26s %8s %8s %8s   (ns per call: median, min of batch means; cpu: thread CPU time, median)\n",
                "program", "layer", "median", "min", "cpu");
    print("simple", "native", measure("native", 0x1234, budget, [&] { return native_entry(mem, sizeof mem); }));
    for (const auto& [name, expect] : {std::pair{"simple", uint64_t{0x1234}}, std::pair{"lookup", kLookupValue},
                                       std::pair{"trap", uint64_t{0x1234}}}) {
        const std::string symbol = std::string("entry_") + name;
        Internal internal = compile_internal(symbol.c_str());
        if (internal.code->lean() && !internal.code->run_needs().stack) {
            // The JIT's code called as `native` calls its function: the floor of every layer.
            alignas(64) unsigned char status[128] = {};
            const auto entry = internal.code->entry();
            print(name, "JIT code, bare call", measure("bare", expect, budget, [&] {
                      return entry(reinterpret_cast<uint64_t>(mem), sizeof mem, mem, sizeof mem,
                                   reinterpret_cast<ebpfjit::engine_abi::RunStatus*>(status));
                  }));
            print_c_entry(name, *internal.code, mem, sizeof mem, expect, budget);
        }
        print(name, "internal run_mem", measure("internal", expect, budget, [&] {
                  auto r0 = EBPFJIT_RUN_INTERNAL(*internal.code, mem);
                  return r0 ? *r0 : ~uint64_t{0};
              }));
        auto program = object->program(symbol);
        if (!program) die(program.error().to_string());
        print(name, "Program::run", measure("C++ API", expect, budget, [&] {
                  auto r0 = program->run(mem);
                  return r0 ? *r0 : ~uint64_t{0};
              }));
        ebpfjit_program* c_program = ebpfjit_object_program(c_object, symbol.c_str(), err, sizeof err);
        if (!c_program) die(err);
        print(name, "ebpfjit_program_run_mem", measure("C API", expect, budget, [&] {
                  uint64_t r0 = 0;
                  if (ebpfjit_program_run_mem(c_program, mem, sizeof mem, &r0, err, sizeof err) != 0) return ~uint64_t{0};
                  return r0;
              }));
    }
    ebpfjit_object_close(c_object);
    return 0;
}
