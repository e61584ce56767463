// bench_checked_access: what run-time checks cost (issue 18 item 3). Each program of
// checked_access.bpf.c is verified at structural level (its 1 MiB loop is beyond the full
// verifier's range) and compiled twice from the same facts:
//
//   checked     default options: every load and store is checked at run time (the
//               inline region cache, then the stub on a miss: jit/access_cache.hpp)
//   unchecked   jit::CompileOptions::trusted (a test hook no user reaches): no checks
//   no hoist    (trees with jit::Optimisations::hoisted_checks) default options but the
//               hoisted range checks (jit/hoist_checks.hpp): every access checked in the
//               loop, as before them; a row `<program>-nohoist` against the same unchecked
//   bytes       (same trees) hoisted, but no block ops: the loop's version stays a byte
//               loop (a copy's version is otherwise rep movsb / ldp-stp strides, faster
//               than the unchecked byte loop); a row `<program>-bytes`
//
// Both run through runtime::run_native_mem on the same 2 MiB input; every r0 is compared
// with the unchecked run's. Timing: warm-up, then batches of ~20 ms; the median and the
// minimum of the batch means, µs per run, and the median of the batches' thread CPU time
// per run (bench/common/thread_time.hpp: steadier than wall time on a loaded machine), with
// the checked/unchecked ratio of each. Self-contained (no bench/harness), so the same
// file builds against older commits for before/after runs: `bench_checked_access
// [--budget-ms N]`.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/common/thread_time.hpp"
#include "jit/compiler.hpp"
#if __has_include("jit/native_listing.hpp")
#include "jit/native_listing.hpp"
#define EBPFJIT_HAS_LISTING 1
#endif
#include "runtime/elf/loader.hpp"
#include "runtime/object_maps.hpp"
#include "verifier/verifier.hpp"
#if __has_include("runtime/run/native_run.hpp") // running moved out of jit/ (issue 15)
#include "runtime/run/native_run.hpp"
#define EBPFJIT_RUN_NATIVE_MEM(code, mem) ebpfjit::runtime::run_native_mem(code, mem)
#else
#define EBPFJIT_RUN_NATIVE_MEM(code, mem) (code).run_mem(mem)
#endif

namespace {

uint64_t now_ns() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

struct Timing {
    double median = 0, min = 0;
    double cpu = 0; // the median of the batches' thread CPU time per run, µs
};

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "bench_checked_access: %s\n", message.c_str());
    std::exit(1);
}

// `run` returns r0; any r0 other than `expect` aborts the benchmark.
template <class Run>
Timing measure(const char* what, uint64_t expect, uint64_t budget_ns, Run&& run) {
    const uint64_t start = now_ns();
    uint64_t warm = 0;
    while (now_ns() - start < budget_ns / 8 || warm < 3) {
        if (run() != expect) die(std::string(what) + ": wrong r0");
        ++warm;
    }
    const double per_run = static_cast<double>(now_ns() - start) / static_cast<double>(warm);
    const auto runs = std::max<uint64_t>(1, static_cast<uint64_t>(20'000'000 / std::max(per_run, 1.0)));
    std::vector<double> batches, batch_cpu;
    while (batches.size() < 5 || now_ns() - start < budget_ns) {
        const uint64_t c0 = ebpfjit::bench::thread_cpu_ns();
        const uint64_t t0 = now_ns();
        for (uint64_t i = 0; i < runs; ++i)
            if (run() != expect) die(std::string(what) + ": wrong r0");
        batches.push_back(static_cast<double>(now_ns() - t0) / 1000.0 / static_cast<double>(runs));
        batch_cpu.push_back(static_cast<double>(ebpfjit::bench::thread_cpu_ns() - c0) / 1000.0 /
                            static_cast<double>(runs));
    }
    std::sort(batches.begin(), batches.end());
    std::sort(batch_cpu.begin(), batch_cpu.end());
    return {batches[batches.size() / 2], batches.front(), batch_cpu[batch_cpu.size() / 2]};
}

// Switches the hoisted range checks off (or, `bytes`, the block ops of their versions);
// false in a tree without them (a template, so that the member is looked up only where
// it exists).
template <class Options>
bool without_hoisting(Options& options, bool bytes = false) {
    if constexpr (requires { options.optimise.hoisted_checks; }) {
        if (bytes) options.optimise.block_idioms = false;
        else options.optimise.hoisted_checks = false;
        return true;
    } else {
        return false;
    }
}

} // namespace

int main(int argc, char** argv) {
    using namespace ebpfjit;
    uint64_t budget_ms = 1000;
    std::string listing_arch; // --listing x86_64|arm64: print the checked code instead of timing
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--budget-ms") == 0 && i + 1 < argc) budget_ms = std::strtoull(argv[++i], nullptr, 10);
        else if (std::strcmp(argv[i], "--listing") == 0 && i + 1 < argc) listing_arch = argv[++i];
        else die(std::string("usage: bench_checked_access [--budget-ms N] [--listing x86_64|arm64]; unknown ") + argv[i]);
    }
    const uint64_t budget = budget_ms * 1'000'000;

    runtime::elf::ReadOptions read;
    read.type_override = ProgramType::Mem;
    auto object = runtime::elf::read_object_file(EBPFJIT_CHECKED_ACCESS_OBJECT, read);
    if (!object) die(object.error().to_string());
    auto maps = runtime::create_object_maps(*object, nullptr);
    if (!maps) die(maps.error().to_string());

    std::vector<uint8_t> input(2u << 20);
    uint64_t state = 42;
    for (auto& b : input) b = static_cast<uint8_t>((state = state * 6364136223846793005ULL + 1442695040888963407ULL) >> 56);

    if (listing_arch.empty())
        std::printf("%-8s %12s %12s %12s %12s %8s %12s %12s %8s   (µs per run; cpu: thread CPU time, median)\n",
                    "program", "checked", "(min)", "unchecked", "(min)", "ratio", "checked cpu", "unch. cpu",
                    "ratio");
    for (const char* name : {"checked_copy", "checked_mixed"}) {
        const runtime::elf::ProgramSpec* spec = object->find_program(name);
        if (!spec) die(std::string("no program ") + name);
        verifier::VerifierInput in;
        in.type = ProgramType::Mem;
        in.level = verifier::Level::Structural;
        for (const auto& m : object->maps) in.maps.push_back(m.def);
        in.helpers = maps->bindings.helpers;
        verifier::Report report = verifier::check(spec->program, in);
        if (!report.ok()) die(report.error().to_string());
        if (!listing_arch.empty()) {
#ifdef EBPFJIT_HAS_LISTING
            const jit::Arch arch = listing_arch == "arm64" ? jit::Arch::Arm64 : jit::Arch::X86_64;
            auto text = jit::native_listing(spec->program, report.facts, maps->bindings, {}, arch);
            if (!text) die(text.error().to_string());
            std::printf("== %s (%s)\n%s\n", name, listing_arch.c_str(), text->c_str());
            continue;
#else
            die("--listing: this tree has no jit/native_listing.hpp");
#endif
        }
        jit::CompileOptions trusted;
        trusted.trusted = true;
        auto checked = jit::compile(spec->program, report.facts, maps->bindings, jit::CompileOptions{});
        auto unchecked = jit::compile(spec->program, report.facts, maps->bindings, trusted);
        if (!checked) die(checked.error().to_string());
        if (!unchecked) die(unchecked.error().to_string());
        if (!checked->checked() || unchecked->checked()) die(std::string(name) + ": not the checked/unchecked pair");
        std::vector<uint8_t> mem = input;
        auto expect = EBPFJIT_RUN_NATIVE_MEM(*unchecked, mem);
        if (!expect) die(expect.error().to_string());
        auto run = [&](const jit::CompiledProgram& code) {
            auto r0 = EBPFJIT_RUN_NATIVE_MEM(code, mem);
            return r0 ? *r0 : ~uint64_t{0};
        };
        const Timing c = measure("checked", *expect, budget, [&] { return run(*checked); });
        const Timing u = measure("unchecked", *expect, budget, [&] { return run(*unchecked); });
        auto row = [&](const std::string& label, const Timing& t) {
            std::printf("%-14s %9.1f %12.1f %12.1f %12.1f %7.2fx %12.1f %12.1f %7.2fx\n", label.c_str(), t.median,
                        t.min, u.median, u.min, t.median / u.median, t.cpu, u.cpu, t.cpu / u.cpu);
            std::fflush(stdout);
        };
        row(name + 8, c);
        if (jit::CompileOptions plain; without_hoisting(plain)) {
            auto nohoist = jit::compile(spec->program, report.facts, maps->bindings, plain);
            if (!nohoist) die(nohoist.error().to_string());
            row(std::string(name + 8) + "-nohoist",
                measure("checked without hoisting", *expect, budget, [&] { return run(*nohoist); }));
        }
        if (jit::CompileOptions plain; without_hoisting(plain, true)) {
            auto bytes = jit::compile(spec->program, report.facts, maps->bindings, plain);
            if (!bytes) die(bytes.error().to_string());
            row(std::string(name + 8) + "-bytes",
                measure("checked, hoisted, byte loop", *expect, budget, [&] { return run(*bytes); }));
        }
    }
    return 0;
}
